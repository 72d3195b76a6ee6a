from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import CurrentActor, FleetManager
from api.lists import ListQuery, Page
from api.params import VehicleId
from api.vehicles import service
from api.vehicles.schemas import VehicleCreate, VehicleRead, VehicleUpdate

router = APIRouter(prefix="/vehicles", tags=["vehicles"])
LIST = ListQuery(service.list_vehicles_query, service.VehicleFilters, VehicleRead)


@router.get("", response_model=Page[VehicleRead])
async def list_vehicles(_: CurrentActor, asked: LIST.Asked):
    """List vehicles, ordered by id; filter by status or search plate/make/model."""
    return await asked.answer()


@router.post("", response_model=VehicleRead, status_code=status.HTTP_201_CREATED)
def create_vehicle(data: VehicleCreate, session: SessionDep, _: FleetManager):
    """Register a vehicle (manager). The plate is normalised: `abc-1d23` → `ABC1D23`."""
    return service.create_vehicle(session=session, data=data)


@router.get("/{vehicle_id}", response_model=VehicleRead)
def get_vehicle(vehicle_id: VehicleId, session: SessionDep, _: CurrentActor):
    """One vehicle."""
    return service.get_vehicle(session=session, vehicle_id=vehicle_id)


@router.patch("/{vehicle_id}", response_model=VehicleRead)
def update_vehicle(
    vehicle_id: VehicleId, data: VehicleUpdate, session: SessionDep, _: FleetManager
):
    """Change a vehicle (manager). The odometer never decreases."""
    vehicle = service.get_vehicle(session=session, vehicle_id=vehicle_id, for_update=True)
    return service.update_vehicle(session=session, vehicle=vehicle, data=data)


@router.delete(
    "/{vehicle_id}",
    response_model=VehicleRead,
    responses={204: {"description": "Deleted (it had no history)"}},
)
def delete_vehicle(vehicle_id: VehicleId, session: SessionDep, _: FleetManager):
    """Delete a vehicle without history (204); one with trips is retired instead (200)."""
    vehicle = service.get_vehicle(session=session, vehicle_id=vehicle_id, for_update=True)
    kept = service.delete_vehicle(session=session, vehicle=vehicle)
    if kept is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return kept
