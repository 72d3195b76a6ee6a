"""`/reports/costs`: a month of fuel and two services give a vehicle's km/l and cost per km.
The property-based check of every figure against a plain model: tests/model/test_costs_model.py."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import auth

URL = "/api/v1/reports/costs"


@pytest.fixture
def h(manager):
    return auth(manager)


def post(client, h, url, **body):
    r = client.post(url, json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def fleet(client, h, make):
    car = make.vehicle(plate="CST1A23", odometer_km=10_000)
    van = make.vehicle(plate="CST2B34", odometer_km=50_000)
    for day, km, liters, total in (
        (1, 10_000, 40, 240),
        (8, 10_480, 40, 240),
        (15, 10_900, 35, 210),
    ):
        post(
            client,
            h,
            "/api/v1/fuel-entries",
            vehicle_id=car.id,
            odometer_km=km,
            liters=liters,
            total_price=total,
            fuel_type="gasoline",
            filled_at=f"2026-11-{day:02d}T09:00:00-03:00",
        )
    for day, km, cost in ((10, 10_600, 300), (20, 11_000, 200)):
        post(
            client,
            h,
            "/api/v1/service-records",
            vehicle_id=car.id,
            odometer_km=km,
            kind="preventive",
            labor_cost=cost,
            performed_at=f"2026-11-{day:02d}T14:00:00-03:00",
        )
    for day, km in ((5, 50_000), (25, 50_600)):
        post(
            client,
            h,
            "/api/v1/fuel-entries",
            vehicle_id=van.id,
            odometer_km=km,
            liters=60,
            price_per_liter=6,
            fuel_type="diesel_s10",
            filled_at=f"2026-10-{day:02d}T09:00:00-03:00",
        )
    return car, van


def test_costs_by_vehicle(client, h, fleet):
    car, van = fleet
    r = client.get(URL, params={"from": "2026-10-01", "to": "2026-11-30"}, headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["from"] == "2026-10-01" and report["group_by"] == "vehicle"
    by_plate = {g["plate"]: g for g in report["groups"]}
    assert by_plate["CST1A23"] == {
        "vehicle_id": car.id,
        "plate": "CST1A23",
        "month": None,
        "fuel_cost": 690.0,
        "service_cost": 500.0,
        "total_cost": 1190.0,
        "km": 1000,  # 10,000 → 11,000 (the last service's reading)
        "liters": 115.0,
        "cost_per_km": 1.19,
        # the fill-ups' own chain: (480 + 420) km / (40 + 35) l, the first tank's 40 l fuelled
        # km before the first reading (1000 km / 115 l would be 8.7)
        "km_per_liter": 12.0,
        "fines": 0,
        "fines_amount": 0.0,
        "driver_id": None,
        "driver": None,
    }
    assert by_plate["CST2B34"]["km"] == 600 and by_plate["CST2B34"]["fuel_cost"] == 720.0
    assert by_plate["CST2B34"]["km_per_liter"] == 10.0  # 600 km / 60 l
    assert report["totals"]["total_cost"] == 1910.0 and report["totals"]["km"] == 1600
    assert report["totals"]["km_per_liter"] == 11.11  # (900 + 600) km / (75 + 60) l


def test_a_vehicle_without_fuel_adds_km_not_km_per_liter(client, h, fleet, make):
    idle = make.vehicle(plate="CST3C45", odometer_km=0)
    post(
        client,
        h,
        "/api/v1/service-records",
        vehicle_id=idle.id,
        odometer_km=900,
        kind="tires",
        labor_cost=10,
        performed_at="2026-11-03T10:00:00-03:00",
        confirm=False,
    )
    post(
        client,
        h,
        "/api/v1/service-records",
        vehicle_id=idle.id,
        odometer_km=1900,
        kind="tires",
        labor_cost=10,
        performed_at="2026-11-28T10:00:00-03:00",
    )
    r = client.get(URL, params={"from": "2026-10-01", "to": "2026-11-30"}, headers=h).json()
    assert {g["plate"]: g["km"] for g in r["groups"]}["CST3C45"] == 1000
    assert r["totals"]["km"] == 2600 and r["totals"]["km_per_liter"] == 11.11


def test_costs_by_month(client, h, fleet):
    r = client.get(
        URL, params={"from": "2026-10-01", "to": "2026-11-30", "group_by": "month"}, headers=h
    )
    months = {g["month"]: g for g in r.json()["groups"]}
    assert list(months) == ["2026-10-01", "2026-11-01"]
    assert months["2026-10-01"]["km"] == 600 and months["2026-11-01"]["km"] == 1000
    assert months["2026-11-01"]["cost_per_km"] == 1.19


def test_a_period_without_data_has_zero_totals(client, h, fleet):
    r = client.get(URL, params={"from": "2020-01-01", "to": "2020-01-31"}, headers=h)
    assert r.json()["groups"] == []
    assert r.json()["totals"]["km"] == 0 and r.json()["totals"]["cost_per_km"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"group_by": "day"},
        {"from": "yesterday"},
    ],
)
def test_bad_periods_are_422(client, h, params):
    r = client.get(URL, params=params, headers=h)
    assert r.status_code == 422 and r.json()["detail"]


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("driver", 403), ("anonymous", 401)]
)
def test_roles(client, headers_as, role, expected):
    assert client.get(URL, headers=headers_as(role)).status_code == expected


def fill(client, h, vehicle, at, km, liters, **fields):
    return post(
        client,
        h,
        "/api/v1/fuel-entries",
        vehicle_id=vehicle.id,
        odometer_km=km,
        liters=liters,
        price_per_liter=6,
        fuel_type="gasoline",
        filled_at=at,
        confirm=True,
        **fields,
    )


def test_km_per_liter_is_the_fill_ups_own_chain(client, h, make):
    """The issue's fleet: five full fill-ups each in November. The report's km/l is the
    entries' segments added up, not km driven ÷ every litre bought (about 19 % lower)."""
    expected = {}
    for plate, steps in (
        ("CST5E67", [(0, 40), (450, 42), (380, 38), (500, 45), (420, 44)]),
        ("CST6F78", [(0, 35), (300, 30), (410, 44), (350, 41), (480, 45)]),
    ):
        car = make.vehicle(plate=plate, odometer_km=20_000)
        km, entries = 20_000, []
        for day, (step, liters) in enumerate(steps):
            km += step
            entries.append(
                fill(client, h, car, f"2026-11-{3 + 6 * day:02d}T08:00:00-03:00", km, liters)
            )
        segments = [e for e in entries if e["km_per_liter"] is not None]
        assert len(segments) == 4
        km_sum = sum(e["segment_km"] for e in segments)
        liters_sum = sum(Decimal(str(e["segment_liters"])) for e in segments)
        expected[plate] = float((km_sum / liters_sum).quantize(Decimal("0.01"), ROUND_HALF_UP))
    r = client.get(URL, params={"from": "2026-11-01", "to": "2026-11-30"}, headers=h).json()
    by_plate = {g["plate"]: g for g in r["groups"]}
    assert {plate: g["km_per_liter"] for plate, g in by_plate.items()} == expected
    assert expected == {"CST5E67": 10.36, "CST6F78": 9.63}  # 1750 km / 169 l, 1540 / 160
    old = by_plate["CST5E67"]["km"] / by_plate["CST5E67"]["liters"]
    assert round(old, 2) == 8.37  # the old figure: 1750 km / every litre bought, 19 % low


def test_a_segment_belongs_to_the_month_of_the_fill_up_that_closes_it(client, h, make):
    """A segment that opened before the period (or the month) counts whole where it closes;
    a partial fill-up inside it counts, a missed one ends the chain."""
    car = make.vehicle(plate="CST7G89", odometer_km=1_000)
    fill(client, h, car, "2026-10-28T10:00:00-03:00", 1_000, 40)
    fill(client, h, car, "2026-10-31T22:30:00-03:00", 1_200, 10, full_tank=False)  # 01:30Z Nov
    fill(client, h, car, "2026-11-04T10:00:00-03:00", 1_500, 30)  # 500 km / 40 l
    fill(client, h, car, "2026-11-20T10:00:00-03:00", 2_000, 50, missed_previous=True)
    november = client.get(URL, params={"from": "2026-11-01", "to": "2026-11-30"}, headers=h).json()[
        "totals"
    ]
    assert november["km_per_liter"] == 12.5 and november["liters"] == 80.0
    assert november["km"] == 500  # 1,500 → 2,000: readings in November only
    months = client.get(
        URL, params={"from": "2026-10-01", "to": "2026-11-30", "group_by": "month"}, headers=h
    ).json()
    by_month = {g["month"]: g for g in months["groups"]}
    assert by_month["2026-10-01"]["km_per_liter"] is None  # no segment closed in October
    assert by_month["2026-10-01"]["liters"] == 50.0  # 22:30 at -03:00 is still October
    assert by_month["2026-11-01"]["km_per_liter"] == 12.5
    assert months["totals"]["km_per_liter"] == 12.5


def test_costs_by_driver(client, h, make, session):
    from api.trips.models import Trip

    car = make.vehicle(plate="CST8H90", odometer_km=5_000)
    ana, bruno = make.driver(name="Ana"), make.driver(name="Bruno")
    for driver, start, end, day in ((ana, 5_000, 5_400, 2), (bruno, 5_400, 5_700, 9)):
        session.add(
            Trip(
                vehicle_id=car.id,
                driver_id=driver.id,
                start_odometer_km=start,
                end_odometer_km=end,
                started_at=f"2026-11-{day:02d}T08:00:00-03:00",
                finished_at=f"2026-11-{day + 1:02d}T18:00:00-03:00",
            )
        )
    session.commit()
    fill(client, h, car, "2026-11-01T08:00:00-03:00", 5_000, 40, driver_id=ana.id)
    fill(client, h, car, "2026-11-03T20:00:00-03:00", 5_400, 32, driver_id=ana.id)  # 12.5
    fill(client, h, car, "2026-11-10T19:00:00-03:00", 5_700, 30, driver_id=bruno.id)  # 10
    post(
        client,
        h,
        "/api/v1/fines",
        vehicle_id=car.id,
        occurred_at="2026-11-09T12:00:00-03:00",
        amount=195.23,
    )
    post(
        client,
        h,
        "/api/v1/service-records",
        vehicle_id=car.id,
        odometer_km=5_700,
        kind="preventive",
        labor_cost=100,
        performed_at="2026-11-11T10:00:00-03:00",
    )
    r = client.get(
        URL, params={"from": "2026-11-01", "to": "2026-11-30", "group_by": "driver"}, headers=h
    ).json()
    rows = {g["driver"]: g for g in r["groups"]}
    assert list(rows) == ["Ana", "Bruno", None]  # by name; what is no driver's last
    assert rows["Ana"]["km"] == 400 and rows["Ana"]["km_per_liter"] == 12.5
    assert rows["Ana"]["fuel_cost"] == 432.0 and rows["Ana"]["fines"] == 0
    assert rows["Bruno"]["km"] == 300 and rows["Bruno"]["km_per_liter"] == 10.0
    assert rows["Bruno"]["fines"] == 1 and rows["Bruno"]["fines_amount"] == 195.23
    assert rows[None]["service_cost"] == 100.0 and rows[None]["km"] == 0
    assert r["totals"]["km"] == 700 and r["totals"]["total_cost"] == 712.0
    assert r["totals"]["km_per_liter"] == 11.29  # 700 km / 62 l
