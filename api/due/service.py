"""`/due`: one list, most urgent first, of everything overdue or due soon, as one PostgreSQL
query (a UNION ALL of each source, each written next to the rule it follows). The statement is
compiled once to text for psycopg (api/lists.py): no expanding `IN` lists, `or_` instead.

A row is `{kind, vehicle_id, driver_id, title, due_on, due_km, status, ref, estimated,
calendar_year}`; `ref` is the API path of what to open (the reminder, document, vehicle or
driver); `estimated` and `calendar_year` say how sure a licensing date is."""

from typing import Annotated

from pydantic import Field
from sqlalchemy import (
    ARRAY,
    Boolean,
    Date,
    Integer,
    Interval,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import Grouping

from api.documents import licensing
from api.documents.models import Document
from api.drivers.models import Driver
from api.due.schemas import DueKind, DueStatus
from api.fines.models import Fine
from api.inspections.models import UNRESOLVED, Defect
from api.lists import Eq, Filters
from api.maintenance import service as maintenance
from api.maintenance.models import Reminder
from api.params import IdFilter
from api.vehicles.models import Vehicle

TODAY = bindparam("today", type_=Date)
SOON_UNTIL = bindparam("soon_until", type_=Date)
# Categories whose holders also need a toxicology exam (CTB art. 148-A).
EXAM_CATEGORIES = ("C", "D", "E", "AC", "AD", "AE")


def _row(
    kind, vehicle_id, driver_id, title, due_on, due_km, status, ref, estimated=None, year=None
):
    """One source's columns; `estimated` and `year` (of the calendar) are the licensing's."""
    return [
        literal(kind, String).label("kind"),
        cast(vehicle_id, Integer).label("vehicle_id"),
        cast(driver_id, Integer).label("driver_id"),
        cast(title, String).label("title"),
        cast(due_on, Date).label("due_on"),
        cast(due_km, Integer).label("due_km"),
        cast(status, String).label("status"),
        cast(ref, String).label("ref"),
        cast(false() if estimated is None else estimated, Boolean).label("estimated"),
        cast(null() if year is None else year, Integer).label("calendar_year"),
    ]


def _by_date(due_on):
    """overdue once past, due soon up to `soon_until`."""
    return case((or_(due_on.is_(None), due_on < TODAY), "overdue"), else_="due_soon")


def _reminders():
    pace, computed = maintenance.PACE, maintenance.COMPUTED
    status = computed["status"]
    return (
        select(
            *_row(
                "reminder",
                Reminder.vehicle_id,
                null(),
                Reminder.title + " " + Vehicle.plate,
                func.least(computed["due_on"], computed["forecast_due_on"]),
                computed["due_km"],
                status,
                "/api/v1/reminders/" + cast(Reminder.id, String),
            )
        )
        .join(Vehicle, Vehicle.id == Reminder.vehicle_id)
        .outerjoin(pace, pace.c.vehicle_id == Reminder.vehicle_id)
        .where(status != "ok", Vehicle.status != "retired")
    )


def _documents():
    """Each vehicle's or driver's newest document of a kind (the one that counts), expiring
    by `soon_until`; every `other` document on its own. CRLVs are the licensing's."""
    newer = aliased(Document)
    superseded = (
        select(newer.id)
        .where(
            newer.kind == Document.kind,
            newer.vehicle_id.is_not_distinct_from(Document.vehicle_id),
            newer.driver_id.is_not_distinct_from(Document.driver_id),
            newer.expires_on > Document.expires_on,
        )
        .exists()
    )
    owner = func.coalesce(Vehicle.plate, Driver.name)
    return (
        select(
            *_row(
                "document",
                Document.vehicle_id,
                Document.driver_id,
                Document.kind + " " + owner,
                Document.expires_on,
                null(),
                _by_date(Document.expires_on),
                "/api/v1/documents/" + cast(Document.id, String),
            )
        )
        .outerjoin(Vehicle, Vehicle.id == Document.vehicle_id)
        .outerjoin(Driver, Driver.id == Document.driver_id)
        .where(
            Document.kind != "crlv",
            Document.kind != "toxicology",
            Document.expires_on <= SOON_UNTIL,
            or_(Document.kind == "other", ~superseded),
            or_(Vehicle.id.is_(None), Vehicle.status != "retired"),
            or_(Driver.id.is_(None), Driver.is_active),
        )
    )


def _licensing():
    """Vehicles with no CRLV issued this year, by their plate's date in LICENSING_STATE's
    calendar of the year (api/documents/licensing.py): one date per final two digits, and
    whether it is an estimate (a year with no table, or a date no source confirmed)."""
    ending = cast(func.right(Vehicle.plate, 2), Integer) + 1
    # In parentheses: PostgreSQL subscripts `(%(dates)s::DATE[])[i]`, not `...::DATE[][i]`.
    dates = Grouping(bindparam("licensing_dates", type_=ARRAY(Date)))
    estimated = Grouping(bindparam("licensing_estimated", type_=ARRAY(Boolean)))
    deadline = dates[ending]
    licensed = (
        select(Document.id)
        .where(
            Document.vehicle_id == Vehicle.id,
            Document.kind == "crlv",
            extract("year", Document.issued_on) == bindparam("year", type_=Integer),
        )
        .exists()
    )
    return select(
        *_row(
            "licensing",
            Vehicle.id,
            null(),
            "CRLV " + Vehicle.plate,
            deadline,
            null(),
            _by_date(deadline),
            "/api/v1/vehicles/" + cast(Vehicle.id, String),
            estimated[ending],
            bindparam("licensing_year", type_=Integer),
        )
    ).where(Vehicle.status != "retired", ~licensed, deadline <= SOON_UNTIL)


def _cnh():
    return select(
        *_row(
            "cnh",
            null(),
            Driver.id,
            "CNH " + Driver.name,
            Driver.license_expiry,
            null(),
            _by_date(Driver.license_expiry),
            "/api/v1/drivers/" + cast(Driver.id, String),
        )
    ).where(Driver.is_active, Driver.license_expiry <= SOON_UNTIL)


def _toxicology():
    """C, D and E licences need a valid toxicology exam: none on file is overdue."""
    latest = (
        select(func.max(Document.expires_on))
        .where(Document.driver_id == Driver.id, Document.kind == "toxicology")
        .scalar_subquery()
    )
    return select(
        *_row(
            "toxicology",
            null(),
            Driver.id,
            "toxicology " + Driver.name,
            latest,
            null(),
            _by_date(latest),
            "/api/v1/drivers/" + cast(Driver.id, String),
        )
    ).where(
        Driver.is_active,
        or_(*(Driver.license_category == category for category in EXAM_CATEGORIES)),
        or_(latest.is_(None), latest <= SOON_UNTIL),
    )


def _fines():
    """A fine whose driver must be named to the authority (notice + 30 days) while it is open,
    and one to pay by its due date until it is paid or contested."""
    plate = select(Vehicle.plate).where(Vehicle.id == Fine.vehicle_id).scalar_subquery()
    title = "fine " + plate + func.coalesce(" " + Fine.infraction_code, "")
    identification = select(
        *_row(
            "fine_identification",
            Fine.vehicle_id,
            Fine.driver_id,
            title,
            Fine.identification_deadline,
            null(),
            _by_date(Fine.identification_deadline),
            "/api/v1/fines/" + cast(Fine.id, String),
        )
    ).where(Fine.status == "open", Fine.identification_deadline <= SOON_UNTIL)
    payment = select(
        *_row(
            "fine_payment",
            Fine.vehicle_id,
            Fine.driver_id,
            title,
            Fine.due_on,
            null(),
            _by_date(Fine.due_on),
            "/api/v1/fines/" + cast(Fine.id, String),
        )
    ).where(or_(Fine.status == "open", Fine.status == "driver_named"), Fine.due_on <= SOON_UNTIL)
    return identification, payment


def _defects():
    """Unresolved defects: a critical one is overdue (the vehicle is off the road), a minor one
    due soon; dated the day it was found."""
    offset = cast(bindparam("offset", type_=String), Interval)
    found_on = cast(func.timezone(offset, Defect.created_at), Date)
    return (
        select(
            *_row(
                "defect",
                Defect.vehicle_id,
                null(),
                "defect " + Vehicle.plate + ": " + func.left(Defect.description, 80),
                found_on,
                null(),
                case((Defect.severity == "critical", "overdue"), else_="due_soon"),
                "/api/v1/defects/" + cast(Defect.id, String),
            )
        )
        .join(Vehicle, Vehicle.id == Defect.vehicle_id)
        .where(
            or_(*(Defect.status == status for status in UNRESOLVED)), Vehicle.status != "retired"
        )
    )


_DUE = union_all(
    _reminders(), _documents(), _licensing(), _cnh(), _toxicology(), *_fines(), _defects()
).subquery("due")
COLUMNS = [
    _DUE.c[name]
    for name in (
        "kind",
        "vehicle_id",
        "driver_id",
        "title",
        "due_on",
        "due_km",
        "status",
        "ref",
        "estimated",
        "calendar_year",
    )
]


def due_query(shape: frozenset[str]):
    """Overdue first, then due soon; within each the nearest date first. Without a date:
    overdue ones first (a missing exam), due-soon ones last (a km limit with no forecast)."""
    overdue = _DUE.c.status == "overdue"
    undated = _DUE.c.due_on.is_(None)
    query = select(*COLUMNS).order_by(
        case((overdue, 0), else_=1),
        case((and_(overdue, undated), 0), (undated, 2), else_=1),
        _DUE.c.due_on,
        _DUE.c.kind,
        _DUE.c.ref,
    )
    return query


WithinDays = Annotated[
    int | None, Field(ge=0, le=365, description="Due soon within this many days (DUE_SOON_DAYS)")
]
WithinKm = Annotated[
    int | None, Field(ge=0, le=100_000, description="Due soon within this many km (DUE_SOON_KM)")
]


class DueFilters(Filters):
    """`within_days` and `within_km` say how far "due soon" reaches; the others filter."""

    within_days: WithinDays = None
    within_km: WithinKm = None
    kind: Annotated[DueKind | None, Eq(_DUE.c.kind)] = None
    status: Annotated[DueStatus | None, Eq(_DUE.c.status)] = None
    vehicle_id: Annotated[IdFilter, Eq(_DUE.c.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(_DUE.c.driver_id)] = None


def due_values(dates: dict, calendar: licensing.YearCalendar) -> dict:
    """`dates` (api/local_time.py) and the licensing calendar of `today`'s year."""
    return {
        **dates,
        "year": dates["today"].year,
        "licensing_dates": calendar.dates,
        "licensing_estimated": calendar.estimated,
        "licensing_year": calendar.calendar_year,
    }
