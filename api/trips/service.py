"""Trips: check-out and check-in. The database holds one open trip per vehicle and per driver."""

from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated

from pydantic import Field
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import NO_DRIVER_RECORD, OWN_DRIVER_ID, Actor
from api.db import constraint_name, get_or_404
from api.drivers.models import Driver
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.inspections import service as inspections
from api.lists import Before, Eq, Filters, From, OneOf
from api.params import End, IdFilter, Start
from api.trips.models import Trip
from api.trips.schemas import TripCheckOut, TripFinish, TripState
from api.vehicles.models import Vehicle, VehicleStatus
from api.vehicles.service import check_jump, get_vehicle


class VehicleAlreadyInUse(Conflict):
    pass


class DriverAlreadyOnTrip(Conflict):
    pass


def visible_to(query, actor: Actor):
    """Drivers see only their own trips; managers and admins all of them."""
    if not actor.is_driver:
        return query
    return query.where(Trip.driver_id == bindparam(OWN_DRIVER_ID, actor.driver_id or 0))


def _acting_driver(session: Session, actor: Actor, driver_id: int | None) -> Driver:
    """The driver of a check-out: the caller's own record, or the one a manager names."""
    if actor.is_driver:
        driver = session.get(Driver, actor.driver_id) if actor.driver_id else None
        if driver is None:
            raise Conflict(NO_DRIVER_RECORD)
        # An app that sends the driver's own id is not asking for anything more.
        if driver_id is not None and driver_id != driver.id:
            raise Forbidden("Drivers check out for themselves; leave driver_id out")
        return driver
    if driver_id is None:
        raise Invalid("driver_id is required when a manager checks a vehicle out")
    driver = session.get(Driver, driver_id)
    if driver is None:
        raise Invalid(f"Driver {driver_id} does not exist")
    return driver


def check_out(*, session: Session, actor: Actor, data: TripCheckOut, max_jump_km: int) -> Trip:
    driver = _acting_driver(session, actor, data.driver_id)
    if not driver.is_active:
        raise Conflict(f"Driver {driver.id} is deactivated")
    if driver.license_expiry < date.today():
        raise Conflict(f"The driver's licence expired on {driver.license_expiry.isoformat()}")
    try:
        vehicle = get_vehicle(session=session, vehicle_id=data.vehicle_id, for_update=True)
    except NotFound as exc:
        raise Invalid(exc.message) from exc
    if vehicle.status == VehicleStatus.in_use:
        raise VehicleAlreadyInUse(f"Vehicle {vehicle.plate} is already checked out")
    inspections.check_out_allowed(session, vehicle, datetime.now(UTC))
    if vehicle.status != VehicleStatus.available:
        raise Conflict(f"Vehicle {vehicle.plate} is {vehicle.status}, not available")
    if data.start_odometer_km < vehicle.odometer_km:
        raise Invalid(
            f"start_odometer_km {data.start_odometer_km} is below the vehicle's "
            f"odometer ({vehicle.odometer_km} km)"
        )
    check_jump(
        vehicle.odometer_km, data.start_odometer_km, max_jump_km, data.confirm, "start_odometer_km"
    )
    trip = Trip(
        vehicle_id=vehicle.id,
        driver_id=driver.id,
        start_odometer_km=data.start_odometer_km,
        purpose=data.purpose,
        created_by_user_id=actor.id,
    )
    session.add(trip)
    vehicle.status = VehicleStatus.in_use
    vehicle.odometer_km = data.start_odometer_km
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        name = constraint_name(exc)
        if name == "uq_trips_open_per_vehicle":
            raise VehicleAlreadyInUse(f"Vehicle {vehicle.plate} is already checked out") from exc
        if name == "uq_trips_open_per_driver":
            raise DriverAlreadyOnTrip(
                "The driver already has an open trip; finish it first"
            ) from exc
        raise
    return trip


def get_trip(*, session: Session, trip_id: int, actor: Actor, for_update: bool = False) -> Trip:
    """A trip the actor may see: drivers only their own (others look like they do not exist)."""
    visible = partial(visible_to, actor=actor)
    return get_or_404(session, Trip, trip_id, visible=visible, for_update=for_update)


def finish_trip(*, session: Session, trip: Trip, data: TripFinish, max_jump_km: int) -> Trip:
    """Check-in: the trip, the vehicle's odometer and its status change in one transaction."""
    if trip.finished_at is not None:
        raise Conflict(f"Trip {trip.id} was already finished at {trip.finished_at.isoformat()}")
    if data.end_odometer_km < trip.start_odometer_km:
        raise Invalid(
            f"end_odometer_km {data.end_odometer_km} is below the start "
            f"({trip.start_odometer_km} km)"
        )
    check_jump(
        trip.start_odometer_km, data.end_odometer_km, max_jump_km, data.confirm, "end_odometer_km"
    )
    vehicle = session.execute(
        select(Vehicle).where(Vehicle.id == trip.vehicle_id).with_for_update()
    ).scalar_one()
    trip.end_odometer_km = data.end_odometer_km
    trip.finished_at = datetime.now(UTC)
    trip.notes = data.notes
    vehicle.odometer_km = max(vehicle.odometer_km, data.end_odometer_km)
    if vehicle.status == VehicleStatus.in_use:
        vehicle.status = inspections.status_after_trip(session, vehicle)
    session.flush()
    return trip


class TripFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Trip.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(Trip.driver_id)] = None
    state: Annotated[
        TripState | None,
        Field(description="open or finished"),
        OneOf(open=Trip.finished_at.is_(None), finished=Trip.finished_at.is_not(None)),
    ] = None
    started_from: Annotated[Start, From(Trip.started_at)] = None
    started_to: Annotated[End, Before(Trip.started_at)] = None


def list_trips_query(shape: frozenset[str]):
    """Trips, newest first; a driver's own only (`visible_to`, `own_rows`)."""
    return select(Trip).order_by(Trip.started_at.desc(), Trip.id.desc())
