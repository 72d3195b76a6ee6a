"""POST /trips: check-out rules."""

import pytest

from api.config import get_settings
from tests.conftest import auth

URL = "/api/v1/trips"


@pytest.fixture
def h(manager):
    return auth(manager)


def check_out(client, headers, **fields):
    return client.post(URL, json=fields, headers=headers)


def test_check_out_opens_a_trip_and_puts_the_vehicle_in_use(client, h, make):
    vehicle, driver = make.vehicle(odometer_km=1000), make.driver()
    r = check_out(
        client,
        h,
        vehicle_id=vehicle.id,
        driver_id=driver.id,
        start_odometer_km=1010,
        purpose="  delivery  ",
    )
    assert r.status_code == 201, r.text
    trip = r.json()
    assert trip["vehicle_id"] == vehicle.id and trip["driver_id"] == driver.id
    assert trip["start_odometer_km"] == 1010 and trip["end_odometer_km"] is None
    assert trip["finished_at"] is None and trip["purpose"] == "delivery"
    got = client.get(f"/api/v1/vehicles/{vehicle.id}", headers=h).json()
    assert got["status"] == "in_use" and got["odometer_km"] == 1010


def test_driver_checks_out_for_themself(client, make):
    user, driver = make.driver_login()
    r = check_out(client, auth(user), vehicle_id=make.vehicle().id, start_odometer_km=0)
    assert r.status_code == 201
    assert r.json()["driver_id"] == driver.id


def test_second_check_out_of_same_vehicle_is_409(client, h, make):
    vehicle = make.vehicle()
    assert (
        check_out(
            client, h, vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=0
        ).status_code
        == 201
    )
    r = check_out(client, h, vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=0)
    assert r.status_code == 409
    assert "already checked out" in r.json()["detail"]


def test_second_open_trip_for_same_driver_is_409(client, h, make):
    driver = make.driver()
    assert (
        check_out(
            client, h, vehicle_id=make.vehicle().id, driver_id=driver.id, start_odometer_km=0
        ).status_code
        == 201
    )
    r = check_out(client, h, vehicle_id=make.vehicle().id, driver_id=driver.id, start_odometer_km=0)
    assert r.status_code == 409
    assert "open trip" in r.json()["detail"]


def test_start_below_the_vehicles_odometer_is_422(client, h, make):
    vehicle = make.vehicle(odometer_km=500)
    r = check_out(
        client, h, vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=499
    )
    assert r.status_code == 422
    assert "below the vehicle's odometer" in r.json()["detail"]


def test_start_far_above_the_vehicles_odometer_needs_confirm(client, h, make):
    jump = get_settings().odometer_max_jump_km
    vehicle, driver = make.vehicle(odometer_km=100), make.driver()
    r = check_out(
        client, h, vehicle_id=vehicle.id, driver_id=driver.id, start_odometer_km=100 + jump + 1
    )
    assert r.status_code == 422
    assert "confirm" in r.json()["detail"]
    r = check_out(
        client,
        h,
        vehicle_id=vehicle.id,
        driver_id=driver.id,
        start_odometer_km=100 + jump + 1,
        confirm=True,
    )
    assert r.status_code == 201


def test_start_exactly_at_the_jump_limit_needs_no_confirm(client, h, make):
    jump = get_settings().odometer_max_jump_km
    r = check_out(
        client, h, vehicle_id=make.vehicle().id, driver_id=make.driver().id, start_odometer_km=jump
    )
    assert r.status_code == 201


@pytest.mark.parametrize("km", [-1, 5_000_001, "ten", None, 1.5])
def test_bad_start_odometer_is_422(client, h, make, km):
    r = check_out(
        client, h, vehicle_id=make.vehicle().id, driver_id=make.driver().id, start_odometer_km=km
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "start_odometer_km"


def test_unknown_vehicle_is_422(client, h, make):
    r = check_out(client, h, vehicle_id=987654, driver_id=make.driver().id, start_odometer_km=0)
    assert r.status_code == 422
    assert "Vehicle 987654 not found" in r.json()["detail"]


def test_unknown_driver_is_422(client, h, make):
    r = check_out(client, h, vehicle_id=make.vehicle().id, driver_id=987654, start_odometer_km=0)
    assert r.status_code == 422
    assert "Driver 987654 does not exist" in r.json()["detail"]


def test_manager_without_driver_id_is_422(client, h, make):
    r = check_out(client, h, vehicle_id=make.vehicle().id, start_odometer_km=0)
    assert r.status_code == 422
    assert "driver_id is required" in r.json()["detail"]


@pytest.mark.parametrize("status", ["maintenance", "retired"])
def test_vehicle_not_available_is_409(client, h, make, status):
    r = check_out(
        client,
        h,
        vehicle_id=make.vehicle(status=status).id,
        driver_id=make.driver().id,
        start_odometer_km=0,
    )
    assert r.status_code == 409
    assert status in r.json()["detail"]


def test_driver_with_an_expired_licence_is_409(client, h, make):
    from datetime import date, timedelta

    driver = make.driver(license_expiry=date.today() - timedelta(days=1))
    r = check_out(client, h, vehicle_id=make.vehicle().id, driver_id=driver.id, start_odometer_km=0)
    assert r.status_code == 409
    assert "expired" in r.json()["detail"]


def test_deactivated_driver_is_409(client, h, make):
    driver = make.driver(is_active=False)
    r = check_out(client, h, vehicle_id=make.vehicle().id, driver_id=driver.id, start_odometer_km=0)
    assert r.status_code == 409
    assert "deactivated" in r.json()["detail"]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"vehicle_id": "one"},
        {"purpose": "x" * 501},
        {"purpose": "a\x00b"},
        {"finished_at": "2020-01-01T00:00:00Z"},
    ],
    ids=["empty", "vehicle-not-int", "long-purpose", "nul", "unknown-field"],
)
def test_malformed_check_out_is_422(client, h, make, fields):
    base = {"vehicle_id": make.vehicle().id, "driver_id": make.driver().id, "start_odometer_km": 0}
    r = client.post(URL, json={} if not fields else {**base, **fields}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"]
