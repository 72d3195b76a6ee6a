"""The plain model: what Frota's computed figures are, in a few lines of Python each, from
plain records (no database, no SQL). The property-based suites in this folder generate random
fleets, store them, and check that PostgreSQL's answers equal these.

Records are dataclasses; times are aware datetimes; money and litres are Decimals."""

import calendar
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

LOCAL = timezone(timedelta(hours=-3))  # EXIF_DEFAULT_OFFSET: where the fleet is
CENTS, MILLS = Decimal("0.01"), Decimal("0.001")


def rounded(value: Decimal, step: Decimal = CENTS) -> float:
    return float(Decimal(value).quantize(step, ROUND_HALF_UP))


def local_month(at: datetime) -> date:
    return at.astimezone(LOCAL).date().replace(day=1)


@dataclass
class Fill:
    vehicle: int
    at: datetime
    km: int
    liters: Decimal
    total: Decimal
    full: bool = True
    missed: bool = False
    driver: int | None = None


@dataclass
class Trip:
    vehicle: int
    driver: int
    started_at: datetime
    start_km: int
    finished_at: datetime | None = None
    end_km: int | None = None


@dataclass
class Service:
    vehicle: int
    at: datetime
    km: int
    cost: Decimal


@dataclass
class Fine:
    vehicle: int
    at: datetime
    amount: Decimal
    driver: int | None = None


@dataclass
class Fleet:
    plates: dict[int, str] = field(default_factory=dict)  # vehicle → plate
    drivers: dict[int, str] = field(default_factory=dict)  # driver → name
    fills: list[Fill] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    fines: list[Fine] = field(default_factory=list)


# ---- fuel economy: full tank to full tank -----------------------------------------------------


def segments(fills: list[Fill]) -> dict[int, tuple[int, Decimal] | None]:
    """For each fill-up (by its index in `fills`): the (km, litres) of the segment it closes, or
    None. A segment runs from one full fill-up to the next; its litres are those bought after
    the first (partial fill-ups too); a missed fill-up inside it, or no km, voids it."""
    result: dict[int, tuple[int, Decimal] | None] = {}
    by_vehicle = defaultdict(list)
    for index, fill in enumerate(fills):
        by_vehicle[fill.vehicle].append(index)
    for indices in by_vehicle.values():
        indices.sort(key=lambda i: (fills[i].at, i))
        opened_at_km, liters, missed = None, Decimal(0), False
        for i in indices:
            fill = fills[i]
            liters += fill.liters
            missed = missed or fill.missed
            result[i] = None
            if fill.full:
                km = fill.km - opened_at_km if opened_at_km is not None else 0
                if km > 0 and not missed:
                    result[i] = (km, liters)
                opened_at_km, liters, missed = fill.km, Decimal(0), False
    return result


def km_per_liter(km: int, liters: Decimal) -> float | None:
    return rounded(Decimal(km) / liters) if liters else None


# ---- /reports/costs -----------------------------------------------------------------------


def km_driven(fleet: Fleet, start: datetime, end: datetime) -> dict[tuple[int, date], int]:
    """(vehicle, month) → km: the month's highest reading less the previous month's highest
    (in the period's first month with readings: less its lowest)."""
    readings = defaultdict(list)
    for trip in fleet.trips:
        readings[trip.vehicle].append((trip.started_at, trip.start_km))
        if trip.finished_at is not None:
            readings[trip.vehicle].append((trip.finished_at, trip.end_km))
    for fill in fleet.fills:
        readings[fill.vehicle].append((fill.at, fill.km))
    for service in fleet.services:
        readings[service.vehicle].append((service.at, service.km))
    driven = {}
    for vehicle, items in readings.items():
        months = defaultdict(list)
        for at, km in items:
            if start <= at < end:
                months[local_month(at)].append(km)
        previous = None
        for month in sorted(months):
            driven[vehicle, month] = max(months[month]) - (
                previous if previous is not None else min(months[month])
            )
            previous = max(months[month])
    return driven


@dataclass
class Sums:
    fuel_cost: Decimal = Decimal(0)
    service_cost: Decimal = Decimal(0)
    km: int = 0
    liters: Decimal = Decimal(0)
    segment_km: int = 0
    segment_liters: Decimal = Decimal(0)
    fines: int = 0
    fines_amount: Decimal = Decimal(0)

    def figures(self) -> dict:
        total = self.fuel_cost + self.service_cost
        return {
            "fuel_cost": rounded(self.fuel_cost),
            "service_cost": rounded(self.service_cost),
            "total_cost": rounded(total),
            "km": self.km,
            "liters": rounded(self.liters, MILLS),
            "cost_per_km": rounded(total / self.km) if self.km else None,
            "km_per_liter": km_per_liter(self.segment_km, self.segment_liters),
            "fines": self.fines,
            "fines_amount": rounded(self.fines_amount),
        }


def cost_report(
    fleet: Fleet, group_by: str, start: datetime, end: datetime
) -> tuple[list[dict], dict]:
    """(groups, totals) as `/reports/costs` answers them."""

    def key(vehicle: int, driver: int | None, at: datetime | None = None, month=None):
        return {
            "vehicle": vehicle,
            "month": month or (local_month(at) if at else None),
            "driver": driver,
        }[group_by]

    groups: dict = defaultdict(Sums)
    total = Sums()

    def add(group, **figures):
        for sums in (groups[group], total):
            for name, value in figures.items():
                setattr(sums, name, getattr(sums, name) + value)

    closing = segments(fleet.fills)
    inside = lambda at: start <= at < end  # noqa: E731
    for i, fill in enumerate(fleet.fills):
        if inside(fill.at):
            km, liters = closing[i] or (0, Decimal(0))
            add(
                key(fill.vehicle, fill.driver, fill.at),
                fuel_cost=fill.total,
                liters=fill.liters,
                segment_km=km,
                segment_liters=liters,
            )
    for service in fleet.services:
        if inside(service.at):
            add(key(service.vehicle, None, service.at), service_cost=service.cost)
    for fine in fleet.fines:
        if inside(fine.at):
            add(key(fine.vehicle, fine.driver, fine.at), fines=1, fines_amount=fine.amount)
    if group_by == "driver":  # a driver's km: their trips, in the period in which they ended
        for trip in fleet.trips:
            if trip.finished_at is not None and inside(trip.finished_at):
                add(
                    key(trip.vehicle, trip.driver, trip.finished_at), km=trip.end_km - trip.start_km
                )
    else:
        for (vehicle, month), km in km_driven(fleet, start, end).items():
            add(key(vehicle, None, month=month), km=km)

    def row(group) -> dict:
        described = {"vehicle_id": None, "plate": None, "month": None, "driver_id": None}
        described["driver"] = None
        if group_by == "vehicle":
            described |= {"vehicle_id": group, "plate": fleet.plates[group]}
        elif group_by == "month":
            described["month"] = group
        elif group is not None:
            described |= {"driver_id": group, "driver": fleet.drivers[group]}
        return described | groups[group].figures()

    order = {
        "vehicle": lambda g: fleet.plates[g],
        "month": lambda g: g,
        "driver": lambda g: (g is None, fleet.drivers.get(g, ""), g or 0),
    }[group_by]
    return [row(g) for g in sorted(groups, key=order)], total.figures()


# ---- reminders ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """PostgreSQL's date + interval 'n months': the same day, or the month's last."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pace(readings: list[tuple[datetime, int]], now: datetime, since: datetime):
    """km/day since `since`: (highest - lowest reading) ÷ days since the first (at least 1);
    None with fewer than two readings. Exact (a Fraction-like Decimal ratio is not needed:
    the caller compares with ceil on exact integers)."""
    recent = [(at, km) for at, km in readings if at >= since]
    if len(recent) < 2:
        return None
    first = min(at for at, _ in recent)
    seconds = max(Decimal((now - first).total_seconds()), Decimal(86400))
    kms = [km for _, km in recent]
    return Decimal(max(kms) - min(kms)), seconds  # km per (seconds / 86400) days


def reminder(
    *,
    every_km: int | None,
    every_months: int | None,
    last_done_km: int | None,
    last_done_on: date | None,
    odometer: int,
    readings: list[tuple[datetime, int]],
    now: datetime,
    today: date,
    soon_until: date,
    soon_km: int,
    since: datetime,
) -> dict:
    due_km = last_done_km + every_km if every_km is not None and last_done_km is not None else None
    due_on = (
        add_months(last_done_on, every_months)
        if every_months is not None and last_done_on is not None
        else None
    )
    forecast = None
    speed = pace(readings, now, since)
    if due_km is not None and due_km > odometer and speed is not None and speed[0] > 0:
        km, seconds = speed
        # remaining ÷ (km ÷ days) days, days = seconds / 86400, rounded up to a whole day
        days = math.ceil((due_km - odometer) * seconds / (km * 86400))
        forecast = today + timedelta(days=days)
    overdue = (due_km is not None and odometer >= due_km) or (due_on is not None and due_on < today)
    soon = (
        (due_km is not None and due_km - odometer <= soon_km)
        or (due_on is not None and due_on <= soon_until)
        or (forecast is not None and forecast <= soon_until)
    )
    status = "overdue" if overdue else "due_soon" if soon else "ok"
    return {"due_km": due_km, "due_on": due_on, "forecast_due_on": forecast, "status": status}


# ---- fines ---------------------------------------------------------------------------------

HANDOVER = timedelta(minutes=15)
IDENTIFICATION_DAYS = 30


def identify(trips: list[tuple[int, Trip]], at: datetime) -> tuple[str, int | None, list[int]]:
    """(identification, driver, candidates) of a fine at `at` from the vehicle's trips (id,
    trip): at a hand-over (a check-in and another trip's check-out both within 15 minutes) the
    two drivers (one: identified); else the driver whose trip covers `at`; else no_trip."""
    near = lambda moment: moment is not None and abs(moment - at) <= HANDOVER  # noqa: E731
    back = [(i, t) for i, t in trips if near(t.finished_at)]
    out = [(i, t) for i, t in trips if near(t.started_at)]
    pairs = [(b, o) for b in back for o in out if b[0] != o[0]]
    if pairs:
        drivers = sorted({pairs[0][0][1].driver, pairs[0][1][1].driver})
        if len(drivers) == 1:
            return "identified", drivers[0], drivers
        return "ambiguous", None, drivers
    covering = [
        t for _, t in trips if t.started_at <= at and (t.finished_at is None or t.finished_at >= at)
    ]
    if covering:
        driver = max(covering, key=lambda t: t.started_at).driver
        return "identified", driver, [driver]
    return "no_trip", None, []


def identification_deadline(notice_received_on: date | None) -> date | None:
    return notice_received_on + timedelta(days=IDENTIFICATION_DAYS) if notice_received_on else None


# ---- /due ----------------------------------------------------------------------------------


def due_order(rows: list[dict]) -> list[dict]:
    """Overdue first, then due soon; within each the nearest date first; undated: overdue ones
    first, due-soon ones last; ties by kind, then ref."""

    def rank(row):
        overdue, undated = row["status"] == "overdue", row["due_on"] is None
        place = 0 if overdue and undated else 2 if undated else 1
        return (not overdue, place, row["due_on"] or date.min, row["kind"], row["ref"])

    return sorted(rows, key=rank)


# What /due lists: each source's rule, then `due_order`. Plain records with the ids they were
# stored under (the ref is the API path of what to open).

EXAM_CATEGORIES = ("C", "D", "E", "AC", "AD", "AE")  # CTB art. 148-A: a toxicology exam


@dataclass
class DueVehicle:
    id: int
    plate: str
    retired: bool = False
    odometer: int = 0


@dataclass
class DueDriver:
    id: int
    name: str
    license_expiry: date
    category: str = "B"
    active: bool = True


@dataclass
class DuePlan:  # a reminder; no readings, so no forecast
    id: int
    vehicle: int
    title: str
    every_km: int | None
    every_months: int | None
    last_done_km: int | None
    last_done_on: date | None


@dataclass
class DueDocument:
    id: int
    kind: str
    vehicle: int | None
    driver: int | None
    expires_on: date | None
    issued_on: date | None = None


@dataclass
class DueFine:
    id: int
    vehicle: int
    driver: int | None
    status: str
    notice_received_on: date | None
    due_on: date | None
    code: str | None = None


@dataclass
class DueDefect:
    id: int
    vehicle: int
    severity: str
    status: str
    created_at: datetime
    description: str


@dataclass
class DueWorld:
    vehicles: list[DueVehicle] = field(default_factory=list)
    drivers: list[DueDriver] = field(default_factory=list)
    plans: list[DuePlan] = field(default_factory=list)
    documents: list[DueDocument] = field(default_factory=list)
    fines: list[DueFine] = field(default_factory=list)
    defects: list[DueDefect] = field(default_factory=list)


def due_list(world: DueWorld, values: dict, calendar_dates, estimated, calendar_year) -> list[dict]:
    """/due's items, most urgent first, for `values` (api/local_time.due_dates) and the
    licensing calendar of today's year (dates and estimates by the plate's final two digits)."""
    today, soon_until = values["today"], values["soon_until"]
    vehicles = {v.id: v for v in world.vehicles}
    drivers = {d.id: d for d in world.drivers}
    rows = []

    def item(kind, vehicle, driver, title, due_on, status, ref, due_km=None, est=False, year=None):
        rows.append(
            {
                "kind": kind,
                "vehicle_id": vehicle,
                "driver_id": driver,
                "title": title,
                "due_on": due_on,
                "due_km": due_km,
                "status": status,
                "ref": ref,
                "estimated": est,
                "calendar_year": year,
            }
        )

    def by_date(day):
        return "overdue" if day is None or day < today else "due_soon"

    for plan in world.plans:
        vehicle = vehicles[plan.vehicle]
        figures = reminder(
            every_km=plan.every_km,
            every_months=plan.every_months,
            last_done_km=plan.last_done_km,
            last_done_on=plan.last_done_on,
            odometer=vehicle.odometer,
            readings=[],
            now=values["now"],
            today=today,
            soon_until=soon_until,
            soon_km=values["soon_km"],
            since=values["pace_since"],
        )
        if figures["status"] != "ok" and not vehicle.retired:
            dates = [d for d in (figures["due_on"], figures["forecast_due_on"]) if d]
            item(
                "reminder",
                vehicle.id,
                None,
                f"{plan.title} {vehicle.plate}",
                min(dates) if dates else None,
                figures["status"],
                f"/api/v1/reminders/{plan.id}",
                due_km=figures["due_km"],
            )
    for doc in world.documents:
        owner = vehicles.get(doc.vehicle) or drivers.get(doc.driver)
        newer = any(
            other.kind == doc.kind
            and (other.vehicle, other.driver) == (doc.vehicle, doc.driver)
            and other.expires_on is not None
            and doc.expires_on is not None
            and other.expires_on > doc.expires_on
            for other in world.documents
        )
        if (
            doc.kind not in ("crlv", "toxicology")
            and doc.expires_on is not None
            and doc.expires_on <= soon_until
            and (doc.kind == "other" or not newer)
            and not getattr(owner, "retired", False)
            and getattr(owner, "active", True)
        ):
            name = owner.plate if doc.vehicle else owner.name
            item(
                "document",
                doc.vehicle,
                doc.driver,
                f"{doc.kind} {name}",
                doc.expires_on,
                by_date(doc.expires_on),
                f"/api/v1/documents/{doc.id}",
            )
    for vehicle in world.vehicles:
        licensed = any(
            d.kind == "crlv"
            and d.vehicle == vehicle.id
            and d.issued_on
            and d.issued_on.year == today.year
            for d in world.documents
        )
        deadline = calendar_dates[int(vehicle.plate[-2:])]
        if not vehicle.retired and not licensed and deadline <= soon_until:
            item(
                "licensing",
                vehicle.id,
                None,
                f"CRLV {vehicle.plate}",
                deadline,
                by_date(deadline),
                f"/api/v1/vehicles/{vehicle.id}",
                est=estimated[int(vehicle.plate[-2:])],
                year=calendar_year,
            )
    for driver in world.drivers:
        if not driver.active:
            continue
        ref = f"/api/v1/drivers/{driver.id}"
        if driver.license_expiry <= soon_until:
            item(
                "cnh",
                None,
                driver.id,
                f"CNH {driver.name}",
                driver.license_expiry,
                by_date(driver.license_expiry),
                ref,
            )
        exams = [
            d.expires_on
            for d in world.documents
            if d.kind == "toxicology" and d.driver == driver.id and d.expires_on
        ]
        latest = max(exams) if exams else None
        if driver.category in EXAM_CATEGORIES and (latest is None or latest <= soon_until):
            item(
                "toxicology",
                None,
                driver.id,
                f"toxicology {driver.name}",
                latest,
                by_date(latest),
                ref,
            )
    for fine in world.fines:
        title = f"fine {vehicles[fine.vehicle].plate}" + (f" {fine.code}" if fine.code else "")
        ref = f"/api/v1/fines/{fine.id}"
        deadline = identification_deadline(fine.notice_received_on)
        if fine.status == "open" and deadline is not None and deadline <= soon_until:
            item(
                "fine_identification",
                fine.vehicle,
                fine.driver,
                title,
                deadline,
                by_date(deadline),
                ref,
            )
        if (
            fine.status in ("open", "driver_named")
            and fine.due_on is not None
            and fine.due_on <= soon_until
        ):
            item(
                "fine_payment",
                fine.vehicle,
                fine.driver,
                title,
                fine.due_on,
                by_date(fine.due_on),
                ref,
            )
    for defect in world.defects:
        vehicle = vehicles[defect.vehicle]
        if defect.status in ("open", "in_repair") and not vehicle.retired:
            item(
                "defect",
                vehicle.id,
                None,
                f"defect {vehicle.plate}: {defect.description[:80]}",
                defect.created_at.astimezone(LOCAL).date(),
                "overdue" if defect.severity == "critical" else "due_soon",
                f"/api/v1/defects/{defect.id}",
            )
    return due_order(rows)
