"""Fuel: prices that agree, odometer readings that never go back, and km/l between full tanks.

Every write locks the vehicle's row first, so that two fill-ups of one vehicle are checked and
chained one after the other."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Annotated

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import NO_DRIVER_RECORD, OWN_DRIVER_ID, Actor
from api.csv_import import (
    ImportRefused,
    exported_only,
    moment,
    number,
    parse_rows,
    read_csv,
    vehicle_id,
    vehicle_plates,
    whole_number,
    write_rows,
)
from api.db import constraint_name, get_or_404
from api.drivers.models import Driver
from api.errors import Conflict, Forbidden, Invalid
from api.fuel.models import FuelEntry, FuelType
from api.fuel.schemas import FuelEntryCreate, FuelEntryRead, FuelEntryUpdate
from api.lists import Before, Eq, Filters, From
from api.local_time import at_offset, refuse_future
from api.params import End, IdFilter, Start
from api.photos.models import Photo, PhotoKind
from api.trips.models import Trip
from api.vehicles.models import Vehicle
from api.vehicles.service import check_jump, lock_named_vehicle

PRICE_TOLERANCE = Decimal("0.01")  # liters × price and total may differ by 1 %
_CENTS, _MILLS = Decimal("0.01"), Decimal("0.001")
# The most a segment may hold: fuel_entries.km_per_liter is NUMERIC(7, 2), segment_liters
# NUMERIC(9, 3).
MAX_KM_PER_LITER, MAX_SEGMENT_LITERS = Decimal("99999.99"), Decimal("999999.999")


def complete_prices(
    liters: Decimal | None, price: Decimal | None, total: Decimal | None
) -> tuple[Decimal, Decimal, Decimal]:
    """Two of litres, price per litre and total give the third; three must agree within 1 %."""
    given = sum(value is not None for value in (liters, price, total))
    if given < 2:
        raise Invalid("Send two of liters, price_per_liter and total_price (the third is computed)")
    if liters is None:
        if not price:
            raise Invalid("liters cannot be computed from a price_per_liter of 0")
        liters = (total / price).quantize(_MILLS, ROUND_HALF_UP)
        if liters <= 0:
            raise Invalid("total_price / price_per_liter gives no litres")
    elif price is None:
        price = (total / liters).quantize(_MILLS, ROUND_HALF_UP)
    elif total is None:
        total = (liters * price).quantize(_CENTS, ROUND_HALF_UP)
    elif abs(liters * price - total) > PRICE_TOLERANCE * max(total, liters * price):
        raise Invalid(
            f"liters × price_per_liter is {(liters * price).quantize(_CENTS)}, "
            f"not total_price {total} (they must agree within 1 %)"
        )
    return liters, price, total


# ---- reads -----------------------------------------------------------------------------------


def visible_to(query, actor: Actor):
    """Drivers see the fuel they logged (their driver record's); managers every entry."""
    if not actor.is_driver:
        return query
    return query.where(FuelEntry.driver_id == bindparam(OWN_DRIVER_ID, actor.driver_id or 0))


def get_entry(
    *, session: Session, entry_id: int, actor: Actor, for_update: bool = False
) -> FuelEntry:
    visible = partial(visible_to, actor=actor)
    return get_or_404(session, FuelEntry, entry_id, visible=visible, for_update=for_update)


class FuelEntryFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(FuelEntry.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(FuelEntry.driver_id)] = None
    fuel_type: Annotated[FuelType | None, Eq(FuelEntry.fuel_type)] = None
    filled_from: Annotated[Start, From(FuelEntry.filled_at)] = None
    filled_to: Annotated[End, Before(FuelEntry.filled_at)] = None


def list_query(shape: frozenset[str]):
    """Fuel entries, newest fill-up first; a driver's own only (`visible_to`, `own_rows`)."""
    return select(FuelEntry).order_by(FuelEntry.filled_at.desc(), FuelEntry.id.desc())


# ---- the rules -------------------------------------------------------------------------------


def _drivers_trip(session: Session, actor: Actor) -> Trip:
    """A driver logs fuel for the vehicle of their open trip, or else of their last one."""
    if actor.driver_id is None:
        raise Conflict(NO_DRIVER_RECORD)
    trip = session.execute(
        select(Trip)
        .where(Trip.driver_id == actor.driver_id)
        .order_by(Trip.finished_at.is_not(None), Trip.started_at.desc(), Trip.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if trip is None:
        raise Conflict("You have no trip: fuel is logged for the vehicle of your open or last trip")
    return trip


def _check_trip(session: Session, trip_id: int, vehicle_id: int) -> Trip:
    trip = session.get(Trip, trip_id)
    if trip is None or trip.vehicle_id != vehicle_id:
        raise Invalid(f"Trip {trip_id} is not a trip of vehicle {vehicle_id}")
    return trip


def _check_receipt(session: Session, photo_id: int, vehicle_id: int) -> None:
    photo = session.get(Photo, photo_id)
    if photo is None or photo.vehicle_id != vehicle_id:
        raise Invalid(f"Photo {photo_id} is not a photo of vehicle {vehicle_id}")
    if photo.kind != PhotoKind.fuel_receipt:
        raise Invalid(f"Photo {photo_id} is a {photo.kind} photo, not a fuel_receipt")


def odometer_bounds(
    session: Session, vehicle_id: int, filled_at: datetime, exclude_id: int | None = None
) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """The readings a fill-up at `filled_at` must lie between, with where each comes from: the
    vehicle's fuel entries and trips before it (low) and after it (high)."""
    others = FuelEntry.id != (exclude_id or 0)
    fuel_before = session.execute(
        select(FuelEntry.odometer_km, FuelEntry.id, FuelEntry.filled_at)
        .where(FuelEntry.vehicle_id == vehicle_id, FuelEntry.filled_at <= filled_at, others)
        .order_by(FuelEntry.filled_at.desc(), FuelEntry.id.desc())
        .limit(1)
    ).first()
    fuel_after = session.execute(
        select(FuelEntry.odometer_km, FuelEntry.id, FuelEntry.filled_at)
        .where(FuelEntry.vehicle_id == vehicle_id, FuelEntry.filled_at > filled_at, others)
        .order_by(FuelEntry.filled_at, FuelEntry.id)
        .limit(1)
    ).first()
    # A trip started before the fill-up read at least its start (its end, if it ended before).
    trip_before = session.execute(
        select(Trip.start_odometer_km, Trip.end_odometer_km, Trip.finished_at, Trip.id)
        .where(Trip.vehicle_id == vehicle_id, Trip.started_at <= filled_at)
        .order_by(Trip.started_at.desc())
        .limit(1)
    ).first()
    trip_after = session.execute(
        select(Trip.start_odometer_km, Trip.id, Trip.started_at)
        .where(Trip.vehicle_id == vehicle_id, Trip.started_at > filled_at)
        .order_by(Trip.started_at)
        .limit(1)
    ).first()
    lows, highs = [], []
    if fuel_before:
        lows.append((fuel_before[0], f"fuel entry {fuel_before[1]} of {fuel_before[2]:%Y-%m-%d}"))
    if trip_before:
        start, end, finished_at, trip_id = trip_before
        ended = finished_at is not None and finished_at <= filled_at
        lows.append((end if ended else start, f"trip {trip_id}"))
    if fuel_after:
        highs.append((fuel_after[0], f"fuel entry {fuel_after[1]} of {fuel_after[2]:%Y-%m-%d}"))
    if trip_after:
        highs.append((trip_after[0], f"trip {trip_after[1]} of {trip_after[2]:%Y-%m-%d}"))
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _check_odometer(
    session: Session,
    entry: FuelEntry,
    *,
    max_jump_km: int,
    confirm: bool,
) -> None:
    low, high = odometer_bounds(session, entry.vehicle_id, entry.filled_at, entry.id)
    km = entry.odometer_km
    if low and km < low[0]:
        raise Invalid(f"odometer_km {km} is below {low[0]} km, the reading of {low[1]}")
    if high and km > high[0]:
        raise Invalid(f"odometer_km {km} is above {high[0]} km, the later reading of {high[1]}")
    if low:
        check_jump(low[0], km, max_jump_km, confirm, "odometer_km", low[1])


def _check_segment(entry, previous_full, km: int, liters: Decimal, value: Decimal) -> None:
    """A segment that would not fit its columns is no fuel economy but a typo (0.001 l, a digit
    too many on the odometer): refused, naming the fill-up that closes it."""
    if value <= MAX_KM_PER_LITER and liters <= MAX_SEGMENT_LITERS:
        return
    what = (
        f"{value} km/l ({km} km ÷ {liters} l)"
        if liters <= MAX_SEGMENT_LITERS
        else f"{liters} litres, more than {MAX_SEGMENT_LITERS}"
    )
    raise Invalid(
        f"The full fill-up of {entry.filled_at:%Y-%m-%d %H:%M} at {entry.odometer_km} km would "
        f"give {what} since the full fill-up at {previous_full.odometer_km} km; a segment "
        f"holds at most {MAX_KM_PER_LITER} km/l and {MAX_SEGMENT_LITERS} l: check odometer_km "
        "and liters"
    )


def chain_km_per_liter(entries: list[FuelEntry]) -> None:
    """The one definition of fuel economy. Each full fill-up closes a segment: the km since the
    previous full one and the litres bought since then (partial fill-ups counted); km/l is their
    ratio. `missed_previous` breaks the chain: no segment across it (nor with no km). The
    segment's km and litres are kept on the entry, for /reports/costs to add up."""
    previous_full: FuelEntry | None = None
    liters = Decimal(0)
    broken = False
    for entry in entries:
        liters += entry.liters
        broken = broken or entry.missed_previous
        segment = (None, None, None)
        if entry.full_tank:
            if previous_full is not None and not broken:
                km = entry.odometer_km - previous_full.odometer_km
                if km > 0:
                    value = (Decimal(km) / liters).quantize(_CENTS, ROUND_HALF_UP)
                    _check_segment(entry, previous_full, km, liters, value)
                    segment = (km, liters, value)
            previous_full, liters, broken = entry, Decimal(0), False
        if (entry.segment_km, entry.segment_liters, entry.km_per_liter) != segment:
            entry.segment_km, entry.segment_liters, entry.km_per_liter = segment


def rechain(session: Session, vehicle_id: int) -> None:
    """Recompute the vehicle's km/l after a fill-up was added, changed or removed."""
    session.flush()
    entries = (
        session.execute(
            select(FuelEntry)
            .where(FuelEntry.vehicle_id == vehicle_id)
            .order_by(FuelEntry.filled_at, FuelEntry.id)
        )
        .scalars()
        .all()
    )
    chain_km_per_liter(list(entries))
    session.flush()


def _raise_odometer(vehicle: Vehicle, km: int) -> None:
    """A fill-up read further than the vehicle's odometer: the vehicle's moves up (never down)."""
    if km > vehicle.odometer_km:
        vehicle.odometer_km = km


def _flush(session: Session, entry: FuelEntry) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_fuel_entries_receipt_photo_id":
            raise Conflict(
                f"Photo {entry.receipt_photo_id} is already the receipt of another fuel entry"
            ) from exc
        raise


# ---- writes ----------------------------------------------------------------------------------


def create_entry(
    *,
    session: Session,
    actor: Actor,
    data: FuelEntryCreate,
    max_jump_km: int,
    default_offset,
    chain: bool = True,
) -> FuelEntry:
    """Log a fill-up. `chain=False` leaves km/l to the caller (an import, once per vehicle)."""
    if actor.is_driver:
        if data.driver_id is not None or data.trip_id is not None:
            raise Forbidden("Drivers log fuel for their own trip; leave driver_id and trip_id out")
        trip = _drivers_trip(session, actor)
        if data.vehicle_id is not None and data.vehicle_id != trip.vehicle_id:
            raise Forbidden(
                f"Drivers log fuel for the vehicle of their open or last trip "
                f"(vehicle {trip.vehicle_id})"
            )
        if data.receipt_photo_id is None:
            raise Invalid(
                "A driver's fuel entry needs its receipt: upload a fuel_receipt photo of the "
                "vehicle and send its id as receipt_photo_id"
            )
        vehicle_id, driver_id, trip_id = trip.vehicle_id, actor.driver_id, trip.id
    else:
        if data.vehicle_id is None:
            raise Invalid("vehicle_id is required")
        vehicle_id, driver_id, trip_id = data.vehicle_id, data.driver_id, data.trip_id
    vehicle = lock_named_vehicle(session, vehicle_id)
    if trip_id is not None and not actor.is_driver:
        trip = _check_trip(session, trip_id, vehicle_id)
        driver_id = driver_id or trip.driver_id
    if driver_id is not None and not actor.is_driver:
        if session.get(Driver, driver_id) is None:
            raise Invalid(f"Driver {driver_id} does not exist")
    if data.receipt_photo_id is not None:
        _check_receipt(session, data.receipt_photo_id, vehicle_id)
    liters, price, total = complete_prices(data.liters, data.price_per_liter, data.total_price)
    entry = FuelEntry(
        vehicle_id=vehicle_id,
        driver_id=driver_id,
        trip_id=trip_id,
        filled_at=at_offset(data.filled_at, default_offset),
        odometer_km=data.odometer_km,
        liters=liters,
        price_per_liter=price,
        total_price=total,
        fuel_type=data.fuel_type,
        full_tank=data.full_tank,
        missed_previous=data.missed_previous,
        station=data.station,
        receipt_photo_id=data.receipt_photo_id,
        notes=data.notes,
        created_by_user_id=actor.id,
    )
    refuse_future(entry.filled_at, "filled_at")
    _check_odometer(session, entry, max_jump_km=max_jump_km, confirm=data.confirm)
    session.add(entry)
    _raise_odometer(vehicle, entry.odometer_km)
    _flush(session, entry)
    if chain:
        rechain(session, vehicle_id)
    return entry


def update_entry(
    *,
    session: Session,
    entry: FuelEntry,
    data: FuelEntryUpdate,
    max_jump_km: int,
    default_offset,
) -> FuelEntry:
    changes = data.model_dump(exclude_unset=True, exclude={"confirm"})
    vehicle = lock_named_vehicle(session, entry.vehicle_id)
    prices = {"liters", "price_per_liter", "total_price"} & changes.keys()
    if prices:
        liters, price, total = complete_prices(
            changes.pop("liters", None),
            changes.pop("price_per_liter", None),
            changes.pop("total_price", None),
        )
        entry.liters, entry.price_per_liter, entry.total_price = liters, price, total
    if changes.get("trip_id") is not None:
        _check_trip(session, changes["trip_id"], entry.vehicle_id)
    if changes.get("receipt_photo_id") is not None:
        _check_receipt(session, changes["receipt_photo_id"], entry.vehicle_id)
    if "filled_at" in changes:
        if changes["filled_at"] is None:
            raise Invalid("filled_at cannot be null")
        changes["filled_at"] = at_offset(changes["filled_at"], default_offset)
    for field in ("odometer_km", "fuel_type", "full_tank", "missed_previous"):
        if field in changes and changes[field] is None:
            raise Invalid(f"{field} cannot be null")
    for field, value in changes.items():
        setattr(entry, field, value)
    if "filled_at" in changes or "odometer_km" in changes:
        _check_odometer(session, entry, max_jump_km=max_jump_km, confirm=data.confirm)
        _raise_odometer(vehicle, entry.odometer_km)
    _flush(session, entry)
    rechain(session, entry.vehicle_id)
    return entry


def delete_entry(*, session: Session, entry: FuelEntry) -> None:
    lock_named_vehicle(session, entry.vehicle_id)
    session.delete(entry)
    rechain(session, entry.vehicle_id)


# ---- import ----------------------------------------------------------------------------------

IMPORT_COLUMNS = ("plate", *(name for name in FuelEntryCreate.model_fields if name != "vehicle_id"))
IMPORT_REQUIRED = ("plate", "filled_at", "odometer_km", "fuel_type")
IMPORT_IGNORED = exported_only(FuelEntryRead, IMPORT_COLUMNS)  # a file exported from the list
_NUMBERS = ("liters", "price_per_liter", "total_price")


def import_entries(
    *,
    session: Session,
    actor: Actor,
    content: bytes,
    dry_run: bool,
    max_jump_km: int,
    default_offset,
) -> int:
    """Every row of the CSV as `create_entry` would take it, in time order per vehicle, or none:
    every bad line is reported (422) and nothing is written. Returns the rows checked."""
    file = read_csv(
        content, columns=IMPORT_COLUMNS, required=IMPORT_REQUIRED, ignored=IMPORT_IGNORED
    )
    plates = vehicle_plates(session)

    def parse(cells: dict[str, str]) -> FuelEntryCreate:
        vehicle = vehicle_id(cells, plates)
        for name in _NUMBERS:
            if name in cells:
                cells[name] = number(cells[name], file.decimal_comma)
        if "odometer_km" in cells:
            cells["odometer_km"] = whole_number(
                cells["odometer_km"], file.decimal_comma, "odometer_km"
            )
        if "filled_at" in cells:
            cells["filled_at"] = moment(cells["filled_at"])
        return FuelEntryCreate(vehicle_id=vehicle, **cells)

    rows = parse_rows(file, parse)
    if file.errors:
        raise ImportRefused(file.errors)
    rows.sort(key=lambda row: (row[1].vehicle_id, at_offset(row[1].filled_at, default_offset)))
    write_rows(
        session,
        file,
        rows,
        lambda data: create_entry(
            session=session,
            actor=actor,
            data=data,
            max_jump_km=max_jump_km,
            default_offset=default_offset,
            chain=False,
        ),
    )
    for vehicle in {data.vehicle_id for _, data in rows}:
        rechain(session, vehicle)
    if dry_run:
        session.rollback()
    return len(rows)
