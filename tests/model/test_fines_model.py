"""Fines: the driver Frota names (identified inside a trip, `ambiguous` with both drivers at a
hand-over, `no_trip` between trips) and the identification deadline equal the plain model's,
for random days of trips and fines (often right at a check-in or check-out, ±15 minutes)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from api.actor import Role
from api.deps import Actor
from api.fines.schemas import FineCreate
from api.fines.service import create_fine
from api.trips.models import Trip as TripRow
from tests.model import plain
from tests.model.fleets import DRIVER_NAMES, store
from tests.model.plain import Fleet, Trip

RUNS = {"examples": 0}
MANAGER = Actor(id=None, role=Role.manager, driver_id=None, must_change_password=False)
T0 = datetime(2026, 11, 10, 6, 0, tzinfo=plain.LOCAL)
EDGE = timedelta(minutes=15)


@st.composite
def days(draw):
    drivers = draw(st.integers(1, 3))
    trips = []  # (vehicle, Trip); per vehicle one after the other, at least 40 minutes each
    for vehicle in (1, 2):
        at = T0 + timedelta(minutes=draw(st.integers(0, 120)))
        count = draw(st.integers(0, 5))
        for n in range(count):
            at += timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15, 16, 30, 90])))
            end = at + timedelta(minutes=draw(st.integers(40, 300)))
            open_trip = vehicle == 1 and n == count - 1 and draw(st.booleans())
            trip = Trip(vehicle, draw(st.integers(1, drivers)), at, 0)
            if not open_trip:
                trip.finished_at, trip.end_km = end, 10
            trips.append((vehicle, trip))
            at = end
    moments = [t.started_at for _, t in trips] + [t.finished_at for _, t in trips if t.finished_at]
    fines = []
    for _ in range(draw(st.integers(1, 6))):
        vehicle = draw(st.sampled_from([1, 2]))
        if moments and draw(st.booleans()):  # at a check-in or check-out, or just outside
            base = draw(st.sampled_from(moments))
            shift = draw(st.sampled_from([timedelta(0), EDGE, EDGE + timedelta(seconds=1), None]))
            if shift is None:
                shift = timedelta(seconds=draw(st.integers(0, 1800)))
            at = base + shift * draw(st.sampled_from([1, -1]))
        else:
            at = T0 + timedelta(minutes=draw(st.integers(-60, 30 * 60)))
        notice = draw(st.none() | st.dates(date(2026, 11, 10), date(2027, 2, 28)))
        fines.append((vehicle, at, notice))
    return drivers, trips, fines


@given(day=days())
def test_fines_are_the_model(rolled_back, day):
    RUNS["examples"] += 1
    drivers, trips, fines = day
    with rolled_back() as session:
        vehicle_id, driver_id, _ = store(
            session,
            Fleet(
                plates={1: "FIN1A01", 2: "FIN2A02"},
                drivers={n: DRIVER_NAMES[n - 1] for n in range(1, drivers + 1)},
            ),
        )
        numbered = []
        for vehicle, trip in trips:
            row = TripRow(
                vehicle_id=vehicle_id[vehicle],
                driver_id=driver_id[trip.driver],
                start_odometer_km=0,
                end_odometer_km=trip.end_km,
                started_at=trip.started_at,
                finished_at=trip.finished_at,
            )
            session.add(row)
            session.flush()
            numbered.append((vehicle, row.id, trip))
        for vehicle, at, notice in fines:
            fine = create_fine(
                session=session,
                actor=MANAGER,
                data=FineCreate(
                    vehicle_id=vehicle_id[vehicle],
                    occurred_at=at,
                    amount=Decimal("195.23"),
                    notice_received_on=notice,
                ),
                default_offset=plain.LOCAL,
            )
            mine = [(i, t) for v, i, t in numbered if v == vehicle]
            identification, driver, candidates = plain.identify(mine, at)
            to_ids = {n: driver_id[n] for n in range(1, drivers + 1)}
            assert (
                fine.identification,
                fine.driver_id,
                fine.candidate_driver_ids,
                fine.identification_deadline,
            ) == (
                identification,
                to_ids.get(driver),
                sorted(to_ids[c] for c in candidates),
                plain.identification_deadline(notice),
            ), (at, mine)


def test_examples_ran():
    print(f"\n{RUNS['examples']} generated days of trips and fines checked against the model")
