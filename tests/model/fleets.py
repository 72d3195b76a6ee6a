"""Hypothesis strategies for random fleets: per vehicle a timeline of fill-ups (full and
partial, some after a missed one), trips, services and fines, with times at -03:00 that often
fall around midnight of a month's last day; and the rows they become in PostgreSQL."""

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from tests.model.plain import CENTS, LOCAL, Fill, Fine, Fleet, Service, Trip

DRIVER_NAMES = ("Ana", "Bruno", "Carla")
FIRST_DAY = datetime(2026, 10, 18, tzinfo=LOCAL)


def next_month_start(at: datetime) -> datetime:
    local = at.astimezone(LOCAL)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=LOCAL)


def asked_in_december():
    """When a list is asked: any moment of December 2026, often in the hours when UTC is a day
    ahead of -03:00."""
    return st.builds(
        lambda days, hours, seconds: (
            datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=days, hours=hours, seconds=seconds)
        ),
        st.integers(0, 30),
        st.sampled_from([0, 1, 2, 12, 23]),
        st.integers(0, 3599),
    )


@st.composite
def moments(draw, after: datetime) -> datetime:
    """A moment after `after`: minutes to days later, or near the next local midnight that
    starts a month (up to 4 h either side: -03:00 puts 21:00-24:00 in UTC's next month)."""
    if draw(st.integers(0, 3)) == 0:
        near = next_month_start(after) + timedelta(minutes=draw(st.integers(-240, 240)))
        if near > after:
            return near
    return after + timedelta(minutes=draw(st.integers(1, 4 * 24 * 60)))


@st.composite
def fleets(draw) -> Fleet:
    fleet = Fleet()
    drivers = list(range(1, draw(st.integers(1, 3)) + 1))
    fleet.drivers = {d: DRIVER_NAMES[d - 1] for d in drivers}
    maybe_driver = st.sampled_from([None, *drivers])
    for vehicle in range(1, draw(st.integers(1, 3)) + 1):
        fleet.plates[vehicle] = f"MOD{vehicle}A{vehicle:02d}"
        at = FIRST_DAY + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
        km = draw(st.integers(0, 100_000))
        for kind in draw(
            st.lists(
                st.sampled_from(["fill", "fill", "fill", "trip", "service", "fine"]), max_size=14
            )
        ):
            at = draw(moments(at))
            if kind == "fill":
                km += draw(st.integers(0, 700))
                liters = Decimal(draw(st.integers(1_000, 60_000))) / 1000
                price = Decimal(draw(st.integers(4_000, 7_000))) / 1000
                fleet.fills.append(
                    Fill(
                        vehicle,
                        at,
                        km,
                        liters,
                        (liters * price).quantize(CENTS),
                        full=draw(st.integers(0, 3)) > 0,
                        missed=draw(st.integers(0, 6)) == 0,
                        driver=draw(maybe_driver),
                    )
                )
            elif kind == "trip":
                start_km, km = km, km + draw(st.integers(0, 500))
                started_at, at = at, at + timedelta(minutes=draw(st.integers(40, 600)))
                fleet.trips.append(
                    Trip(vehicle, draw(st.sampled_from(drivers)), started_at, start_km, at, km)
                )
            elif kind == "service":
                km += draw(st.integers(0, 300))
                cost = Decimal(draw(st.integers(0, 200_000))) / 100
                fleet.services.append(Service(vehicle, at, km, cost))
            else:
                amount = Decimal(draw(st.integers(8_000, 300_000))) / 100
                fleet.fines.append(Fine(vehicle, at, amount, draw(maybe_driver)))
    return fleet


@st.composite
def periods(draw) -> tuple[date, date]:
    start = date(2026, 10, 15) + timedelta(days=draw(st.integers(0, 60)))
    return start, start + timedelta(days=draw(st.integers(0, 75)))


def store(session, fleet: Fleet) -> tuple[dict, dict, list]:
    """Write the fleet; (vehicle ids, driver ids, fuel entries in the order of fleet.fills)."""
    from api.drivers.models import Driver
    from api.fines.models import Fine as FineRow
    from api.fuel.models import FuelEntry
    from api.maintenance.models import ServiceRecord
    from api.trips.models import Trip as TripRow
    from api.vehicles.models import Vehicle

    vehicles = {}
    for number, plate in fleet.plates.items():
        vehicles[number] = Vehicle(plate=plate, make="Fiat", model="Strada", year=2022)
    drivers = {
        number: Driver(
            name=name,
            license_number=f"{secrets.randbelow(10**11):011d}",
            license_category="B",
            license_expiry=date(2030, 1, 1),
        )
        for number, name in fleet.drivers.items()
    }
    session.add_all([*vehicles.values(), *drivers.values()])
    session.flush()
    vehicle_id = {n: v.id for n, v in vehicles.items()}
    driver_id = {n: d.id for n, d in drivers.items()}
    driver_id[None] = None
    for trip in fleet.trips:
        session.add(
            TripRow(
                vehicle_id=vehicle_id[trip.vehicle],
                driver_id=driver_id[trip.driver],
                start_odometer_km=trip.start_km,
                end_odometer_km=trip.end_km,
                started_at=trip.started_at,
                finished_at=trip.finished_at,
            )
        )
    entries = []
    for fill in fleet.fills:
        entry = FuelEntry(
            vehicle_id=vehicle_id[fill.vehicle],
            driver_id=driver_id[fill.driver],
            filled_at=fill.at,
            odometer_km=fill.km,
            liters=fill.liters,
            price_per_liter=(fill.total / fill.liters).quantize(Decimal("0.001")),
            total_price=fill.total,
            fuel_type="gasoline",
            full_tank=fill.full,
            missed_previous=fill.missed,
        )
        session.add(entry)
        session.flush()  # ids in the order of the fleet's list (the chain's tie-break)
        entries.append(entry)
    for service in fleet.services:
        session.add(
            ServiceRecord(
                vehicle_id=vehicle_id[service.vehicle],
                performed_at=service.at,
                odometer_km=service.km,
                kind="preventive",
                items=[],
                labor_cost=service.cost,
                total_cost=service.cost,
            )
        )
    for fine in fleet.fines:
        session.add(
            FineRow(
                vehicle_id=vehicle_id[fine.vehicle],
                occurred_at=fine.at,
                amount=fine.amount,
                driver_id=driver_id[fine.driver],
                identification="identified" if fine.driver else "no_trip",
            )
        )
    session.flush()
    return vehicle_id, driver_id, entries
