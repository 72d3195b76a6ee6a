from fastapi import APIRouter, status

from api.actor import own_rows
from api.db import SessionDep
from api.deps import CurrentActor, SettingsDep
from api.lists import ListQuery, Page
from api.params import TripId
from api.trips import service
from api.trips.schemas import TripCheckOut, TripFinish, TripRead

router = APIRouter(prefix="/trips", tags=["trips"])
LIST = ListQuery(
    service.list_trips_query, service.TripFilters, TripRead, visible=service.visible_to
)


@router.post("", response_model=TripRead, status_code=status.HTTP_201_CREATED)
def check_out(data: TripCheckOut, actor: CurrentActor, session: SessionDep, settings: SettingsDep):
    """Check a vehicle out: a driver for themself, a manager for a named `driver_id`."""
    return service.check_out(
        session=session, actor=actor, data=data, max_jump_km=settings.odometer_max_jump_km
    )


@router.post("/{trip_id}/finish", response_model=TripRead)
def finish_trip(
    trip_id: TripId,
    data: TripFinish,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
):
    """Check the vehicle back in; updates its odometer and status in the same transaction."""
    trip = service.get_trip(session=session, trip_id=trip_id, actor=actor, for_update=True)
    return service.finish_trip(
        session=session, trip=trip, data=data, max_jump_km=settings.odometer_max_jump_km
    )


@router.get("", response_model=Page[TripRead])
async def list_trips(actor: CurrentActor, asked: LIST.Asked):
    """List trips, newest first; drivers see only their own."""
    return await asked.answer(own_rows(actor))


@router.get("/{trip_id}", response_model=TripRead)
def get_trip(trip_id: TripId, session: SessionDep, actor: CurrentActor):
    """One trip; drivers only their own."""
    return service.get_trip(session=session, trip_id=trip_id, actor=actor)
