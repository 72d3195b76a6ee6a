"""`/due`: its items and their order (overdue first, then due soon, nearest date first, undated
overdue ones first and undated due-soon ones last, ties by kind then ref) equal the plain
model's, for random fleets of reminders, documents, licensing, CNHs, toxicology exams, fines
(naming and payment deadlines) and defects, asked at random moments of December 2026 at -03:00
with random reaches of "due soon"."""

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
from hypothesis import given
from hypothesis import strategies as st

from api.config import get_settings
from api.documents.models import Document
from api.drivers.models import Driver
from api.due import router as due
from api.fines.models import Fine
from api.inspections.models import Defect
from api.maintenance.models import Reminder
from api.vehicles.models import Vehicle
from tests.model import plain
from tests.model.conftest import driver_connection
from tests.model.fleets import DRIVER_NAMES, asked_in_december

RUNS = {"examples": 0, "items": 0}
TODAY = date(2026, 12, 1)


def near(days_before: int, days_after: int):
    """A day around December 2026's (often at its edges: today, the end of "soon")."""
    return st.builds(lambda n: TODAY + timedelta(days=n), st.integers(-days_before, days_after))


@st.composite
def worlds(draw):
    now = draw(asked_in_december())
    within_days, within_km = draw(st.integers(0, 60)), draw(st.integers(0, 2_000))
    vehicles = [
        {
            "ending": draw(st.integers(0, 99)),
            "retired": draw(st.integers(0, 5)) == 0,
            "odometer": draw(st.integers(0, 50_000)),
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    drivers = [
        {
            "license_expiry": draw(near(30, 90)),
            "category": draw(st.sampled_from(["B", "B", "C", "AE"])),
            "active": draw(st.integers(0, 5)) > 0,
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    vehicle_n = st.integers(0, len(vehicles) - 1)
    plans = []
    for _ in range(draw(st.integers(0, 4))):
        every_km = draw(st.none() | st.integers(1, 20_000))
        every_months = draw(
            st.integers(1, 24) if every_km is None else st.none() | st.integers(1, 24)
        )
        plans.append(
            {
                "vehicle": draw(vehicle_n),
                "every_km": every_km,
                "every_months": every_months,
                "last_done_km": draw(st.none() | st.integers(0, 50_000)),
                "last_done_on": draw(st.none() | near(800, 0)),
            }
        )
    documents = []
    for _ in range(draw(st.integers(0, 6))):
        on_driver = bool(drivers) and draw(st.booleans())
        kind = draw(
            st.sampled_from(
                ["toxicology", "other"] if on_driver else ["crlv", "insurance", "ipva", "other"]
            )
        )
        documents.append(
            {
                "kind": kind,
                "vehicle": None if on_driver else draw(vehicle_n),
                "driver": draw(st.integers(0, len(drivers) - 1)) if on_driver else None,
                "expires_on": draw(st.none() | near(60, 120)),
                "issued_on": draw(st.sampled_from([None, date(2025, 3, 1), date(2026, 2, 1)])),
            }
        )
    fines = [
        {
            "vehicle": draw(vehicle_n),
            "driver": draw(st.none() | st.integers(0, len(drivers) - 1)) if drivers else None,
            "status": draw(st.sampled_from(["open", "open", "driver_named", "paid", "contested"])),
            "notice_received_on": draw(st.none() | near(60, 30)),
            "due_on": draw(st.none() | near(60, 90)),
            "code": draw(st.sampled_from([None, "7455-0"])),
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    defects = [
        {
            "vehicle": draw(vehicle_n),
            "severity": draw(st.sampled_from(["critical", "minor"])),
            "status": draw(st.sampled_from(["open", "in_repair", "resolved", "dismissed"])),
            # often in the hours when UTC is a day ahead of -03:00
            "created_at": now - timedelta(minutes=draw(st.integers(0, 40 * 24 * 60))),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    return now, within_days, within_km, vehicles, drivers, plans, documents, fines, defects


def store(session, world) -> plain.DueWorld:
    """The rows in PostgreSQL; the same as plain records with their ids."""
    _, _, _, vehicles, drivers, plans, documents, fines, defects = world
    model = plain.DueWorld()
    for n, v in enumerate(vehicles):
        row = Vehicle(
            plate=f"DUE{n}A{v['ending']:02d}",
            make="Fiat",
            model="Strada",
            year=2022,
            odometer_km=v["odometer"],
            status="retired" if v["retired"] else "available",
        )
        session.add(row)
        session.flush()
        model.vehicles.append(plain.DueVehicle(row.id, row.plate, v["retired"], v["odometer"]))
    for n, d in enumerate(drivers):
        row = Driver(
            name=DRIVER_NAMES[n],
            license_number=f"{secrets.randbelow(10**11):011d}",
            license_category=d["category"],
            license_expiry=d["license_expiry"],
            is_active=d["active"],
        )
        session.add(row)
        session.flush()
        model.drivers.append(
            plain.DueDriver(row.id, row.name, d["license_expiry"], d["category"], d["active"])
        )
    vid = lambda n: model.vehicles[n].id  # noqa: E731
    did = lambda n: None if n is None else model.drivers[n].id  # noqa: E731
    for n, p in enumerate(plans):
        row = Reminder(
            vehicle_id=vid(p["vehicle"]),
            title=f"plan {n}",
            every_km=p["every_km"],
            every_months=p["every_months"],
            last_done_km=p["last_done_km"],
            last_done_on=p["last_done_on"],
        )
        session.add(row)
        session.flush()
        model.plans.append(
            plain.DuePlan(
                row.id,
                row.vehicle_id,
                row.title,
                p["every_km"],
                p["every_months"],
                p["last_done_km"],
                p["last_done_on"],
            )
        )
    for d in documents:
        issued = d["issued_on"]
        if issued and d["expires_on"] and d["expires_on"] < issued:
            issued = None
        vehicle = None if d["vehicle"] is None else vid(d["vehicle"])
        row = Document(
            kind=d["kind"],
            vehicle_id=vehicle,
            driver_id=did(d["driver"]),
            expires_on=d["expires_on"],
            issued_on=issued,
        )
        session.add(row)
        session.flush()
        model.documents.append(
            plain.DueDocument(row.id, d["kind"], vehicle, row.driver_id, d["expires_on"], issued)
        )
    for f in fines:
        row = Fine(
            vehicle_id=vid(f["vehicle"]),
            driver_id=did(f["driver"]),
            occurred_at=datetime(2026, 10, 1, tzinfo=UTC),
            amount=Decimal("195.23"),
            identification="identified" if f["driver"] is not None else "no_trip",
            status=f["status"],
            notice_received_on=f["notice_received_on"],
            due_on=f["due_on"],
            infraction_code=f["code"],
        )
        session.add(row)
        session.flush()
        model.fines.append(
            plain.DueFine(
                row.id,
                row.vehicle_id,
                row.driver_id,
                f["status"],
                f["notice_received_on"],
                f["due_on"],
                f["code"],
            )
        )
    for n, d in enumerate(defects):
        description = f"defect {n} " + "x" * 90  # longer than the title keeps
        row = Defect(
            vehicle_id=vid(d["vehicle"]),
            description=description,
            severity=d["severity"],
            status=d["status"],
            created_at=d["created_at"],
        )
        session.add(row)
        session.flush()
        model.defects.append(
            plain.DueDefect(
                row.id, row.vehicle_id, d["severity"], d["status"], d["created_at"], description
            )
        )
    return model


def read_due(session, values: dict) -> list[dict]:
    """Every item of GET /due, in its order: the route's own statement and bound values."""
    statements = due.LIST.statements(frozenset(values))
    params = {**statements.constants, **values, "page_limit": 1000, "page_offset": 0}
    rows = driver_connection(session).execute(statements.page, params).fetchall()
    items = [orjson.loads(row[0]) for row in rows]
    for item in items:
        item["due_on"] = date.fromisoformat(item["due_on"]) if item["due_on"] else None
    return items


@given(world=worlds())
def test_due_is_the_model(rolled_back, world):
    RUNS["examples"] += 1
    now, within_days, within_km = world[:3]
    settings = get_settings()
    values = due._values(settings, within_days, within_km, now)
    calendar = settings.licensing_year(values["today"].year)
    with rolled_back() as session:
        model = store(session, world)
        got = read_due(session, values)
    expected = plain.due_list(
        model, values, calendar.dates, calendar.estimated, calendar.calendar_year
    )
    RUNS["items"] += len(expected)
    assert got == expected


def test_examples_ran():
    print(
        f"\n{RUNS['examples']} generated fleets' /due checked against the model "
        f"({RUNS['items']} items)"
    )
