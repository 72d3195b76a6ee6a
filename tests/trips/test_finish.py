"""POST /trips/{id}/finish: check-in rules; the vehicle changes in the same transaction."""

import pytest

from api.config import get_settings
from tests.conftest import auth


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.fixture
def open_trip(client, h, make):
    vehicle = make.vehicle(odometer_km=1000)
    r = client.post(
        "/api/v1/trips",
        headers=h,
        json={"vehicle_id": vehicle.id, "driver_id": make.driver().id, "start_odometer_km": 1000},
    )
    assert r.status_code == 201
    return r.json()


def finish(client, h, trip_id, **fields):
    return client.post(f"/api/v1/trips/{trip_id}/finish", json=fields, headers=h)


def test_finishing_updates_the_vehicles_odometer_and_status(client, h, open_trip):
    r = finish(client, h, open_trip["id"], end_odometer_km=1234, notes=" ok ")
    assert r.status_code == 200, r.text
    trip = r.json()
    assert trip["end_odometer_km"] == 1234 and trip["finished_at"] and trip["notes"] == "ok"
    vehicle = client.get(f"/api/v1/vehicles/{open_trip['vehicle_id']}", headers=h).json()
    assert vehicle["odometer_km"] == 1234 and vehicle["status"] == "available"


def test_vehicle_can_be_checked_out_again_after_check_in(client, h, make, open_trip):
    finish(client, h, open_trip["id"], end_odometer_km=1100)
    r = client.post(
        "/api/v1/trips",
        headers=h,
        json={
            "vehicle_id": open_trip["vehicle_id"],
            "driver_id": make.driver().id,
            "start_odometer_km": 1100,
        },
    )
    assert r.status_code == 201


def test_end_equal_to_start_is_accepted(client, h, open_trip):
    assert finish(client, h, open_trip["id"], end_odometer_km=1000).status_code == 200


def test_check_in_below_start_is_422(client, h, open_trip):
    r = finish(client, h, open_trip["id"], end_odometer_km=999)
    assert r.status_code == 422
    assert "below the start" in r.json()["detail"]


def test_check_in_far_above_start_needs_confirm(client, h, open_trip):
    far = 1000 + get_settings().odometer_max_jump_km + 1
    r = finish(client, h, open_trip["id"], end_odometer_km=far)
    assert r.status_code == 422
    assert "confirm" in r.json()["detail"]
    r = finish(client, h, open_trip["id"], end_odometer_km=far, confirm=True)
    assert r.status_code == 200
    assert r.json()["end_odometer_km"] == far


def test_finishing_twice_is_409(client, h, open_trip):
    assert finish(client, h, open_trip["id"], end_odometer_km=1001).status_code == 200
    r = finish(client, h, open_trip["id"], end_odometer_km=1002)
    assert r.status_code == 409
    assert "already finished" in r.json()["detail"]


def test_failed_check_in_leaves_trip_and_vehicle_unchanged(client, h, open_trip):
    finish(client, h, open_trip["id"], end_odometer_km=5)
    trip = client.get(f"/api/v1/trips/{open_trip['id']}", headers=h).json()
    vehicle = client.get(f"/api/v1/vehicles/{open_trip['vehicle_id']}", headers=h).json()
    assert trip["finished_at"] is None
    assert vehicle["status"] == "in_use" and vehicle["odometer_km"] == 1000


def test_unknown_trip_is_404(client, h):
    r = finish(client, h, 987654, end_odometer_km=1)
    assert r.status_code == 404
    assert "not found" in r.json()["detail"]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"end_odometer_km": -1},
        {"end_odometer_km": "far"},
        {"end_odometer_km": 5_000_001},
        {"end_odometer_km": 1001, "notes": "x" * 2001},
        {"end_odometer_km": 1001, "vehicle_id": 1},
    ],
    ids=["empty", "negative", "text", "huge", "long-notes", "unknown-field"],
)
def test_malformed_check_in_is_422(client, h, open_trip, fields):
    r = client.post(f"/api/v1/trips/{open_trip['id']}/finish", json=fields, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"]


def test_odometer_set_higher_during_the_trip_is_not_lowered_by_check_in(client, h, open_trip):
    # A manager corrected the odometer while the vehicle was out; check-in never moves it back.
    client.patch(
        f"/api/v1/vehicles/{open_trip['vehicle_id']}", json={"odometer_km": 5000}, headers=h
    )
    assert finish(client, h, open_trip["id"], end_odometer_km=1200).status_code == 200
    vehicle = client.get(f"/api/v1/vehicles/{open_trip['vehicle_id']}", headers=h).json()
    assert vehicle["odometer_km"] == 5000
