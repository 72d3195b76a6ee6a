"""Service records (what was done, what it cost) and reminders (what is due, by km or by date,
whichever comes first). A reminder's due point, forecast and status are computed by
PostgreSQL when it is read, from the vehicle's odometer and its pace: they never go stale."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api.actor import Actor
from api.db import get_or_404
from api.errors import Invalid
from api.fuel.models import FuelEntry
from api.inspections.service import resolve_by_record
from api.lists import AnyOf, Before, Eq, Filters, From
from api.local_time import at_offset, local_date, refuse_future
from api.maintenance.models import Reminder, ServiceKind, ServiceRecord
from api.maintenance.schemas import (
    ReminderCreate,
    ReminderStatus,
    ReminderUpdate,
    ServiceItem,
    ServiceRecordCreate,
    ServiceRecordUpdate,
)
from api.params import End, IdFilter, IdList, Start
from api.photos.models import Photo
from api.trips.models import Trip
from api.vehicles.models import Vehicle
from api.vehicles.service import check_jump, check_of_vehicle, lock_named_vehicle

_CENTS = Decimal("0.01")


# ---- service records -------------------------------------------------------------------------


def _items_and_total(items, labor_cost: Decimal) -> tuple[list[dict], Decimal]:
    stored, total = [], Decimal(labor_cost)
    for item in items:
        total += item.quantity * item.unit_cost
        stored.append(
            {
                "name": item.name,
                "quantity": float(item.quantity),
                "unit_cost": float(item.unit_cost),
            }
        )
    return stored, total.quantize(_CENTS, ROUND_HALF_UP)


def get_record(*, session: Session, record_id: int, for_update: bool = False) -> ServiceRecord:
    return get_or_404(session, ServiceRecord, record_id, for_update=for_update)


def create_record(
    *,
    session: Session,
    actor: Actor,
    data: ServiceRecordCreate,
    max_jump_km: int,
    default_offset,
) -> ServiceRecord:
    """Record a service; the reminders it completes start again from its odometer and date."""
    vehicle = lock_named_vehicle(session, data.vehicle_id)
    check_jump(
        vehicle.odometer_km,
        data.odometer_km,
        max_jump_km,
        data.confirm,
        "odometer_km",
        "the vehicle's odometer",
    )
    performed_at = at_offset(data.performed_at, default_offset)
    refuse_future(performed_at, "performed_at")
    check_of_vehicle(session, Photo, data.photo_ids, vehicle.id, "Photo")
    check_of_vehicle(session, Reminder, data.completes_reminder_ids, vehicle.id, "Reminder")
    items, total = _items_and_total(data.items, data.labor_cost)
    record = ServiceRecord(
        vehicle_id=vehicle.id,
        performed_at=performed_at,
        odometer_km=data.odometer_km,
        kind=ServiceKind(data.kind),
        description=data.description,
        vendor=data.vendor,
        items=items,
        labor_cost=data.labor_cost,
        total_cost=total,
        photo_ids=list(data.photo_ids),
        completes_reminder_ids=list(data.completes_reminder_ids),
        resolves_defect_ids=list(data.resolves_defect_ids),
        created_by_user_id=actor.id,
    )
    session.add(record)
    session.flush()
    resolve_by_record(session, record, list(data.resolves_defect_ids))
    vehicle.odometer_km = max(vehicle.odometer_km, data.odometer_km)
    done_on = local_date(performed_at, default_offset)
    for reminder in session.execute(
        select(Reminder).where(Reminder.id.in_(data.completes_reminder_ids)).with_for_update()
    ).scalars():
        # A record entered late never moves a reminder back.
        if reminder.last_done_on is None or reminder.last_done_on <= done_on:
            reminder.last_done_on = done_on
            reminder.last_done_km = data.odometer_km
    session.flush()
    return record


def update_record(
    *, session: Session, record: ServiceRecord, data: ServiceRecordUpdate, default_offset
) -> ServiceRecord:
    changes = data.model_dump(exclude_unset=True)
    for field in ("kind", "performed_at"):
        if field in changes and changes[field] is None:
            raise Invalid(f"{field} cannot be null")
    if "photo_ids" in changes:
        check_of_vehicle(session, Photo, changes["photo_ids"] or [], record.vehicle_id, "Photo")
        changes["photo_ids"] = list(changes["photo_ids"] or [])
    if "items" in changes or "labor_cost" in changes:
        items = data.items if data.items is not None else _stored_items(record.items)
        labor = data.labor_cost if data.labor_cost is not None else record.labor_cost
        changes["items"], changes["total_cost"] = _items_and_total(items, labor)
        changes["labor_cost"] = labor
    if "performed_at" in changes:
        changes["performed_at"] = at_offset(changes["performed_at"], default_offset)
    for field, value in changes.items():
        setattr(record, field, value)
    session.flush()
    return record


def _stored_items(items: list[dict]) -> list[ServiceItem]:
    return [ServiceItem(**item) for item in items]


def delete_record(*, session: Session, record: ServiceRecord) -> None:
    """The record goes; the reminders it completed keep their last service (say so by hand)."""
    session.delete(record)
    session.flush()


class ServiceRecordFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(ServiceRecord.vehicle_id)] = None
    kind: Annotated[ServiceKind | None, Eq(ServiceRecord.kind)] = None
    performed_from: Annotated[Start, From(ServiceRecord.performed_at)] = None
    performed_to: Annotated[End, Before(ServiceRecord.performed_at)] = None


def records_query(shape: frozenset[str]):
    """Services, newest first."""
    return select(ServiceRecord).order_by(
        ServiceRecord.performed_at.desc(), ServiceRecord.id.desc()
    )


# ---- reminders: due point, forecast and status, in SQL --------------------------------------


def pace_query():
    """km/day of each vehicle since `pace_since` (api/local_time.py, 90 days ago): the km between
    its lowest and highest reading since (trips' start and end, fill-ups) over the days since the
    first one."""
    since = bindparam("pace_since", type_=Trip.started_at.type)
    now = bindparam("now", type_=Trip.started_at.type)
    readings = union_all(
        select(
            Trip.vehicle_id, Trip.start_odometer_km.label("km"), Trip.started_at.label("at")
        ).where(Trip.started_at >= since),
        select(Trip.vehicle_id, Trip.end_odometer_km, Trip.finished_at).where(
            Trip.finished_at >= since
        ),
        select(FuelEntry.vehicle_id, FuelEntry.odometer_km, FuelEntry.filled_at).where(
            FuelEntry.filled_at >= since
        ),
    ).subquery("readings")
    days = func.greatest(extract("epoch", now - func.min(readings.c.at)) / 86400, 1)
    return (
        select(
            readings.c.vehicle_id,
            ((func.max(readings.c.km) - func.min(readings.c.km)) / days).label("km_per_day"),
        )
        .group_by(readings.c.vehicle_id)
        .having(func.count() >= 2)
        .subquery("pace")
    )


def reminder_columns():
    """The reminder's computed fields as SQL: (due_km, due_on, forecast_due_on, status, urgency)
    over reminders ⋈ vehicles ⟕ pace; bound: today, soon_until, soon_km, pace_since, now."""
    pace = pace_query()
    today = bindparam("today", type_=Date)
    soon_until = bindparam("soon_until", type_=Date)
    odometer = Vehicle.odometer_km
    due_km = Reminder.last_done_km + Reminder.every_km
    due_on = cast(
        Reminder.last_done_on + func.make_interval(literal(0), Reminder.every_months), Date
    )
    remaining = due_km - odometer
    forecast = case(
        (
            and_(remaining > 0, pace.c.km_per_day > 0),
            today + cast(func.ceil(remaining / pace.c.km_per_day), Integer),
        ),
    )
    overdue = or_(and_(due_km.is_not(None), odometer >= due_km), due_on < today)
    soon = or_(remaining <= bindparam("soon_km"), due_on <= soon_until, forecast <= soon_until)
    status = case((overdue, "overdue"), (soon, "due_soon"), else_="ok")
    return pace, {
        "due_km": due_km.label("due_km"),
        "due_on": due_on.label("due_on"),
        "forecast_due_on": forecast.label("forecast_due_on"),
        "status": status.label("status"),
        # Most urgent first: overdue, then due soon, then by the nearest date.
        "rank": case((overdue, 0), (soon, 1), else_=2),
        "nearest": func.least(due_on, forecast),
    }


# Built once: every query (the list's columns, /due) names the same `pace` subquery.
PACE, COMPUTED = reminder_columns()


def reminders_query(shape: frozenset[str]):
    """Reminders with their due point and status, most urgent first."""
    query = (
        select(
            Reminder.id,
            Reminder.vehicle_id,
            Reminder.title,
            Reminder.every_km,
            Reminder.every_months,
            Reminder.last_done_km,
            Reminder.last_done_on,
            COMPUTED["due_km"],
            COMPUTED["due_on"],
            COMPUTED["forecast_due_on"],
            COMPUTED["status"],
            Reminder.notes,
        )
        .join(Vehicle, Vehicle.id == Reminder.vehicle_id)
        .outerjoin(PACE, PACE.c.vehicle_id == Reminder.vehicle_id)
        .order_by(COMPUTED["rank"], COMPUTED["nearest"].asc().nulls_last(), Reminder.id)
    )
    return query


class ReminderFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Reminder.vehicle_id)] = None
    status: Annotated[ReminderStatus | None, Eq(COMPUTED["status"])] = None
    ids: Annotated[IdList, AnyOf(Reminder.id)] = None


def read_reminders(session: Session, ids: list[int], values: dict) -> list[dict]:
    """Reminders by id as the API shows them (computed fields included)."""
    query = ReminderFilters.where(reminders_query(frozenset()), frozenset({"ids"}))
    rows = session.execute(query, {**values, "ids": ids}).mappings().all()
    return [dict(row) for row in rows]


def get_reminder(*, session: Session, reminder_id: int, for_update: bool = False) -> Reminder:
    return get_or_404(session, Reminder, reminder_id, for_update=for_update)


def create_reminders(*, session: Session, data: ReminderCreate, default_offset) -> list[Reminder]:
    """The same plan for one vehicle or many; it starts at each vehicle's odometer and today
    unless `last_done_km` / `last_done_on` say when it was last done."""
    vehicle_ids = [data.vehicle_id] if data.vehicle_id is not None else list(data.vehicle_ids)
    if len(set(vehicle_ids)) != len(vehicle_ids):
        raise Invalid("vehicle_ids lists a vehicle twice")
    vehicles = {
        vehicle.id: vehicle
        for vehicle in session.execute(select(Vehicle).where(Vehicle.id.in_(vehicle_ids))).scalars()
    }
    missing = [i for i in vehicle_ids if i not in vehicles]
    if missing:
        raise Invalid(f"Vehicle {', '.join(map(str, missing))} does not exist")
    today = local_date(datetime.now(UTC), default_offset)
    if data.last_done_on is not None and data.last_done_on > today:
        raise Invalid("last_done_on is in the future")
    reminders = []
    for vehicle_id in vehicle_ids:
        odometer = vehicle_km = vehicles[vehicle_id].odometer_km
        if data.last_done_km is not None:
            if data.last_done_km > vehicle_km:
                raise Invalid(
                    f"last_done_km {data.last_done_km} is above the odometer of vehicle "
                    f"{vehicle_id} ({vehicle_km} km)"
                )
            odometer = data.last_done_km
        reminder = Reminder(
            vehicle_id=vehicle_id,
            title=data.title,
            every_km=data.every_km,
            every_months=data.every_months,
            last_done_km=odometer if data.every_km else data.last_done_km,
            last_done_on=data.last_done_on or today,
            notes=data.notes,
        )
        session.add(reminder)
        reminders.append(reminder)
    session.flush()
    return reminders


def update_reminder(*, session: Session, reminder: Reminder, data: ReminderUpdate) -> Reminder:
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise Invalid("title cannot be null")
    for field, value in changes.items():
        setattr(reminder, field, value)
    if reminder.every_km is None and reminder.every_months is None:
        raise Invalid("a reminder needs every_km, every_months or both")
    if reminder.every_km is not None and reminder.last_done_km is None:
        reminder.last_done_km = session.get(Vehicle, reminder.vehicle_id).odometer_km
    session.flush()
    return reminder
