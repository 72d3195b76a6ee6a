"""Vehicles: plates are unique, odometers never go back, history is never deleted."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import Field
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import constraint_name, get_or_404
from api.errors import Conflict, Invalid, NotFound
from api.inspections.models import UNRESOLVED, Defect, Severity
from api.lists import AnyOf, Eq, Filter, Filters, search_pattern
from api.params import IdList
from api.photos.models import Photo
from api.text import LIKE_ESCAPE, NoNul
from api.trips.models import Trip
from api.vehicles.models import Vehicle, VehicleStatus
from api.vehicles.schemas import VehicleCreate, VehicleUpdate

IN_USE_BY_HAND = "status in_use is set by a trip check-out, not by hand"


def get_vehicle(*, session: Session, vehicle_id: int, for_update: bool = False) -> Vehicle:
    return get_or_404(session, Vehicle, vehicle_id, for_update=for_update)


# A vehicle with an unresolved critical defect is not available (nor checked out): the rule of
# both this service and the inspections' (which build on vehicles), so it lives here.
def unresolved_critical(session: Session, vehicle_id: int) -> Defect | None:
    return session.execute(
        select(Defect)
        .where(
            Defect.vehicle_id == vehicle_id,
            Defect.severity == Severity.critical,
            Defect.status.in_(UNRESOLVED),
        )
        .order_by(Defect.id)
        .limit(1)
    ).scalar_one_or_none()


def lock_named_vehicle(session: Session, vehicle_id: int) -> Vehicle:
    """The vehicle a request body names, locked for the write (its odometer may move): 422 when
    there is none (the URL was right; a field of the body is wrong)."""
    try:
        return get_vehicle(session=session, vehicle_id=vehicle_id, for_update=True)
    except NotFound as exc:
        raise Invalid(f"Vehicle {vehicle_id} does not exist") from exc


def check_of_vehicle(session: Session, model, ids: list[int], vehicle_id: int, what: str) -> None:
    """Every id names a row of `model` (photos, reminders) that belongs to the vehicle; 422
    naming the others."""
    if not ids:
        return
    found = set(
        session.execute(
            select(model.id).where(model.id.in_(ids), model.vehicle_id == vehicle_id)
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"{what} {', '.join(map(str, missing))}: not of vehicle {vehicle_id}")


def check_jump(
    previous_km: int, new_km: int, max_jump_km: int, confirm: bool, what: str, source: str = ""
) -> None:
    """A reading more than ODOMETER_MAX_JUMP_KM above the previous one (named by `source`)
    needs `confirm`: a typo of one digit is caught before it moves an odometer for good."""
    if new_km - previous_km > max_jump_km and not confirm:
        since = f" ({source})" if source else ""
        raise Invalid(
            f"{what} is {new_km - previous_km} km above {previous_km} km{since}, more than "
            f"{max_jump_km} km; check the reading, or send `confirm: true` if it is right"
        )


def list_vehicles_query(shape: frozenset[str]):
    """Vehicles by id. "No photo lately" leaves out retired vehicles unless a status is asked
    for (a retired vehicle is not expected to be photographed)."""
    query = select(Vehicle).order_by(Vehicle.id)
    if "no_photo_within_days" in shape and "status" not in shape:
        query = query.where(Vehicle.status != VehicleStatus.retired)
    return query


def _no_photo_since(since):
    return (
        ~select(Photo.id).where(Photo.vehicle_id == Vehicle.id, Photo.created_at >= since).exists()
    )


def _plate_or_name(p):
    """Make or model contain the text, or the plate contains it without separators
    (`abc-1d` finds ABC1D23)."""
    plate = func.regexp_replace(func.upper(p), "[^A-Z0-9]", "", "g")
    return or_(
        Vehicle.model.ilike(p, escape=LIKE_ESCAPE),
        Vehicle.make.ilike(p, escape=LIKE_ESCAPE),
        and_(plate != "", Vehicle.plate.like(func.concat("%", plate, "%"))),
    )


class VehicleFilters(Filters):
    status: Annotated[VehicleStatus | None, Eq(Vehicle.status)] = None
    q: Annotated[
        str | None,
        Field(max_length=60, description="Plate, make or model"),
        NoNul,
        Filter(_plate_or_name, bind=search_pattern),
    ] = None
    ids: Annotated[IdList, AnyOf(Vehicle.id)] = None
    no_photo_within_days: Annotated[
        int | None,
        Field(ge=1, le=3650, description="No photo uploaded in the last N days (not retired)"),
        Filter(_no_photo_since, bind=lambda days: datetime.now(UTC) - timedelta(days=days)),
    ] = None


def _flush(session: Session, plate: str | None) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        name = constraint_name(exc)
        if name == "uq_vehicles_plate":
            raise Conflict(f"A vehicle with plate {plate} already exists") from exc
        if name == "ck_vehicles_odometer_never_decreases":
            raise Invalid("odometer_km cannot decrease") from exc
        raise


def create_vehicle(*, session: Session, data: VehicleCreate) -> Vehicle:
    if data.status == VehicleStatus.in_use:
        raise Invalid(IN_USE_BY_HAND)
    vehicle = Vehicle(**data.model_dump())
    session.add(vehicle)
    _flush(session, data.plate)
    return vehicle


def has_open_trip(session: Session, vehicle_id: int) -> bool:
    return session.execute(
        select(exists().where(Trip.vehicle_id == vehicle_id, Trip.finished_at.is_(None)))
    ).scalar_one()


def update_vehicle(*, session: Session, vehicle: Vehicle, data: VehicleUpdate) -> Vehicle:
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "odometer_km" in changes and changes["odometer_km"] < vehicle.odometer_km:
        raise Invalid(
            f"odometer_km cannot decrease (now {vehicle.odometer_km} km, "
            f"asked {changes['odometer_km']} km)"
        )
    new_status = changes.get("status")
    if new_status is not None and new_status != vehicle.status:
        if new_status == VehicleStatus.in_use:
            raise Invalid(IN_USE_BY_HAND)
        if vehicle.status == VehicleStatus.in_use:
            raise Conflict("The vehicle is on a trip; finish the trip before changing its status")
        if new_status == VehicleStatus.available:
            defect = unresolved_critical(session, vehicle.id)
            if defect is not None:
                raise Conflict(
                    f"Vehicle {vehicle.plate} has an open critical defect #{defect.id}: "
                    f"{defect.description}; resolve it before the vehicle is available"
                )
    for field, value in changes.items():
        setattr(vehicle, field, value)
    _flush(session, changes.get("plate"))
    return vehicle


def delete_vehicle(*, session: Session, vehicle: Vehicle) -> Vehicle | None:
    """Delete a vehicle without history; retire one with trips (or photos). Returns it if kept."""
    if has_open_trip(session, vehicle.id):
        raise Conflict("The vehicle is on a trip; finish the trip first")
    has_history = session.execute(
        select(exists().where(Trip.vehicle_id == vehicle.id))
    ).scalar_one()
    if not has_history:
        try:
            with session.begin_nested():
                session.delete(vehicle)
                session.flush()
            return None
        except IntegrityError:
            pass  # referenced elsewhere (photos): keep it, retired
    vehicle.status = VehicleStatus.retired
    session.flush()
    return vehicle
