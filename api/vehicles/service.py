"""Vehicles: plates are unique, odometers never go back, history is never deleted."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import constraint_name
from api.errors import Conflict, Invalid, NotFound
from api.photos.models import Photo
from api.trips.models import Trip
from api.vehicles.models import Vehicle, VehicleStatus
from api.vehicles.schemas import VehicleCreate, VehicleUpdate


def get_vehicle(*, session: Session, vehicle_id: int, for_update: bool = False) -> Vehicle:
    query = select(Vehicle).where(Vehicle.id == vehicle_id)
    if for_update:
        query = query.with_for_update()
    vehicle = session.execute(query).scalar_one_or_none()
    if vehicle is None:
        raise NotFound(f"Vehicle {vehicle_id} not found")
    return vehicle


def list_vehicles_query(
    *,
    status: VehicleStatus | None,
    search: str | None,
    ids: list[int] | None = None,
    no_photo_within_days: int | None = None,
):
    query = select(Vehicle).order_by(Vehicle.id)
    if ids is not None:
        query = query.where(Vehicle.id.in_(ids))
    if no_photo_within_days is not None:
        since = datetime.now(UTC) - timedelta(days=no_photo_within_days)
        recent = select(Photo.id).where(Photo.vehicle_id == Vehicle.id, Photo.created_at >= since)
        query = query.where(~recent.exists())
        if status is None:  # a retired vehicle is not expected to be photographed
            query = query.where(Vehicle.status != VehicleStatus.retired)
    if status is not None:
        query = query.where(Vehicle.status == status)
    if search and search.strip():
        # `%` and `_` are searched for, not wildcards; a plate is matched without separators.
        text = search.strip()
        plate = "".join(ch for ch in text.upper() if ch.isalnum())
        matches = [Vehicle.model.icontains(text, autoescape=True),
                   Vehicle.make.icontains(text, autoescape=True)]
        if plate:
            matches.append(Vehicle.plate.contains(plate))
        query = query.where(or_(*matches))
    return query


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
        raise Invalid("status in_use is set by a trip check-out, not by hand")
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
            raise Invalid("status in_use is set by a trip check-out, not by hand")
        if vehicle.status == VehicleStatus.in_use:
            raise Conflict("The vehicle is on a trip; finish the trip before changing its status")
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
