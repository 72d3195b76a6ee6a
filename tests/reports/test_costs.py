"""`/reports/costs`: a month of fuel and two services give a vehicle's km/l and cost per km."""

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
        "km_per_liter": 8.7,
    }
    assert by_plate["CST2B34"]["km"] == 600 and by_plate["CST2B34"]["fuel_cost"] == 720.0
    assert report["totals"]["total_cost"] == 1910.0 and report["totals"]["km"] == 1600
    assert report["totals"]["km_per_liter"] == 6.81  # 1600 km / (115 + 120 l)


def test_km_per_liter_leaves_out_vehicles_without_fuel(client, h, fleet, make):
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
    assert r["totals"]["km"] == 2600 and r["totals"]["km_per_liter"] == 6.81


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
