from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import FleetManager
from api.drivers import service
from api.drivers.schemas import DriverCreate, DriverLogin, DriverRead, DriverUpdate
from api.lists import ListQuery, Page
from api.params import DriverId

router = APIRouter(prefix="/drivers", tags=["drivers"])
DRIVERS = ListQuery(service.list_drivers_query, service.DriverFilters, DriverRead)
LOGINS = ListQuery(service.list_driver_logins_query, service.DriverLoginFilters, DriverLogin)


@router.get("", response_model=Page[DriverRead])
async def list_drivers(_: FleetManager, asked: DRIVERS.Asked):
    """List drivers (manager); `license_expiring_within_days` includes expired licences."""
    return await asked.answer()


@router.post("", response_model=DriverRead, status_code=status.HTTP_201_CREATED)
def create_driver(data: DriverCreate, session: SessionDep, _: FleetManager):
    """Register a driver (manager), optionally linked to a `driver` login."""
    return service.create_driver(session=session, data=data)


@router.get("/logins", response_model=Page[DriverLogin])
async def list_driver_logins(_: FleetManager, asked: LOGINS.Asked):
    """Active `driver` logins a manager may link to a driver (managers cannot list users)."""
    return await asked.answer()


@router.get("/{driver_id}", response_model=DriverRead)
def get_driver(driver_id: DriverId, session: SessionDep, _: FleetManager):
    """One driver (manager)."""
    return service.get_driver(session=session, driver_id=driver_id)


@router.patch("/{driver_id}", response_model=DriverRead)
def update_driver(driver_id: DriverId, data: DriverUpdate, session: SessionDep, _: FleetManager):
    """Change a driver (manager)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    return service.update_driver(session=session, driver=driver, data=data)


@router.delete(
    "/{driver_id}",
    response_model=DriverRead,
    responses={204: {"description": "Deleted (no trips)"}},
)
def delete_driver(driver_id: DriverId, session: SessionDep, _: FleetManager):
    """Delete a driver without trips (204); one with trips is deactivated instead (200)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    kept = service.delete_driver(session=session, driver=driver)
    if kept is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return kept
