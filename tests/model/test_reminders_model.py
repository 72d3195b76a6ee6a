"""Reminders' `due_km`, `due_on`, `forecast_due_on` and `status` (computed by PostgreSQL when
read) equal the plain model's, for random vehicles, paces, plans and days of asking."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.config import get_settings
from api.fuel.models import FuelEntry
from api.local_time import due_dates
from api.maintenance.models import Reminder
from api.maintenance.service import read_reminders
from api.trips.models import Trip
from api.vehicles.models import Vehicle
from tests.model import plain
from tests.model.fleets import asked_in_december, store
from tests.model.plain import Fleet

RUNS = {"examples": 0}


@st.composite
def cases(draw):
    now = draw(asked_in_december())
    # Readings: trip starts and ends, fill-ups, over the last 120 days, the odometer going up.
    km = draw(st.integers(0, 50_000))
    at = now - timedelta(days=draw(st.integers(1, 120)))
    readings = []
    for kind in draw(st.lists(st.sampled_from(["trip", "fill"]), max_size=8)):
        at += timedelta(seconds=draw(st.integers(60, 20 * 86400)))
        if at >= now:
            break
        if kind == "trip":
            start, km = km, km + draw(st.integers(0, 3_000))
            end_at = min(at + timedelta(minutes=draw(st.integers(1, 600))), now)
            readings.append(("trip", at, start, end_at, km))
            at = end_at
        else:
            km += draw(st.integers(0, 3_000))
            readings.append(("fill", at, km))
    odometer = km + draw(st.integers(0, 2_000))
    today = now.astimezone(plain.LOCAL).date()
    within_days, within_km = draw(st.integers(0, 60)), draw(st.integers(0, 2_000))
    plans = []
    for _ in range(draw(st.integers(1, 4))):
        every_km = draw(st.none() | st.integers(1, 20_000))
        every_months = draw(
            st.integers(1, 24) if every_km is None else st.none() | st.integers(1, 24)
        )
        last_km = None
        if every_km:  # often right at a limit: due now, or `within_km` from now
            near = (
                odometer
                - every_km
                + draw(st.sampled_from([0, within_km]))
                + draw(st.integers(-2, 2))
            )
            last_km = draw(st.sampled_from([max(near, 0), draw(st.integers(0, odometer))]))
            last_km = min(last_km, odometer)
        last_on = draw(st.none() | st.dates(date(2024, 1, 1), today))
        if every_months and draw(st.booleans()):  # due today, or at the end of "soon"
            edge = today + timedelta(days=draw(st.sampled_from([0, within_days])))
            last_on = min(
                plain.add_months(edge, -every_months) + timedelta(days=draw(st.integers(-1, 1))),
                today,
            )
        plans.append((every_km, every_months, last_km, last_on))
    return now, readings, odometer, plans, within_days, within_km


@given(case=cases())
def test_reminders_are_the_model(rolled_back, case):
    RUNS["examples"] += 1
    now, readings, odometer, plans, within_days, within_km = case
    values = due_dates(get_settings(), within_days=within_days, within_km=within_km, now=now)
    with rolled_back() as session:
        vehicle_id = store(session, Fleet(plates={1: "REM1A01"}))[0][1]
        vehicle = session.get(Vehicle, vehicle_id)
        vehicle.odometer_km = odometer
        driver = store(session, Fleet(drivers={1: "Ana"}))[1][1]
        points = []
        for reading in readings:
            if reading[0] == "trip":
                _, started_at, start, finished_at, end = reading
                session.add(
                    Trip(
                        vehicle_id=vehicle_id,
                        driver_id=driver,
                        start_odometer_km=start,
                        end_odometer_km=end,
                        started_at=started_at,
                        finished_at=finished_at,
                    )
                )
                points += [(started_at, start), (finished_at, end)]
            else:
                _, filled_at, km = reading
                session.add(
                    FuelEntry(
                        vehicle_id=vehicle_id,
                        filled_at=filled_at,
                        odometer_km=km,
                        liters=40,
                        price_per_liter=6,
                        total_price=240,
                        fuel_type="gasoline",
                    )
                )
                points.append((filled_at, km))
        reminders = [
            Reminder(
                vehicle_id=vehicle_id,
                title=f"plan {n}",
                every_km=every_km,
                every_months=every_months,
                last_done_km=last_km,
                last_done_on=last_on,
            )
            for n, (every_km, every_months, last_km, last_on) in enumerate(plans)
        ]
        session.add_all(reminders)
        session.flush()
        got = {
            row["id"]: {k: row[k] for k in ("due_km", "due_on", "forecast_due_on", "status")}
            for row in read_reminders(session, [r.id for r in reminders], values)
        }
    for reminder, (every_km, every_months, last_km, last_on) in zip(reminders, plans, strict=True):
        assert got[reminder.id] == plain.reminder(
            every_km=every_km,
            every_months=every_months,
            last_done_km=last_km,
            last_done_on=last_on,
            odometer=odometer,
            readings=points,
            now=now,
            today=values["today"],
            soon_until=values["soon_until"],
            soon_km=values["soon_km"],
            since=values["pace_since"],
        ), (reminder.title, points)


def test_examples_ran():
    print(f"\n{RUNS['examples']} generated reminder plans checked against the model")
