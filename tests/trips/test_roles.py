"""Role matrix for /trips: managers act for any driver; a driver only for and on their own trips."""

import pytest

from tests.conftest import auth

ROLES = ["admin", "manager", "driver", "anonymous"]


@pytest.fixture
def others_trip(make, session):
    from api.trips.models import Trip

    vehicle = make.vehicle(status="in_use")
    trip = Trip(vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=0)
    session.add(trip)
    session.flush()
    return trip


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [201, 201, 201, 401], strict=True))
def test_check_out_by_role(client, make, headers_as, role, expected):
    body = {"vehicle_id": make.vehicle().id, "start_odometer_km": 0}
    if role in ("admin", "manager"):
        body["driver_id"] = make.driver().id
    r = client.post("/api/v1/trips", json=body, headers=headers_as(role))
    assert r.status_code == expected, r.text


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [200, 200, 200, 401], strict=True))
def test_list_trips_by_role(client, headers_as, others_trip, role, expected):
    r = client.get("/api/v1/trips", headers=headers_as(role))
    assert r.status_code == expected


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [200, 200, 404, 401], strict=True))
def test_get_someone_elses_trip_by_role(client, headers_as, others_trip, role, expected):
    r = client.get(f"/api/v1/trips/{others_trip.id}", headers=headers_as(role))
    assert r.status_code == expected
    assert (r.status_code == 200) == ("detail" not in r.json())


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [200, 200, 404, 401], strict=True))
def test_finish_someone_elses_trip_by_role(client, headers_as, others_trip, role, expected):
    r = client.post(
        f"/api/v1/trips/{others_trip.id}/finish",
        json={"end_odometer_km": 5},
        headers=headers_as(role),
    )
    assert r.status_code == expected, r.text


def test_driver_lists_only_their_own_trips(client, make, others_trip):
    user, _driver = make.driver_login()
    vehicle = make.vehicle()
    own = client.post(
        "/api/v1/trips", json={"vehicle_id": vehicle.id, "start_odometer_km": 0}, headers=auth(user)
    ).json()
    body = client.get("/api/v1/trips", headers=auth(user)).json()
    assert [t["id"] for t in body["items"]] == [own["id"]]
    assert body["total"] == 1


def test_driver_filtering_by_another_driver_still_sees_nothing_else(client, make, others_trip):
    user, _driver = make.driver_login()
    r = client.get(f"/api/v1/trips?driver_id={others_trip.driver_id}", headers=auth(user))
    assert r.json()["total"] == 0


def test_driver_gets_and_finishes_their_own_trip(client, make):
    user, _driver = make.driver_login()
    vehicle = make.vehicle()
    trip = client.post(
        "/api/v1/trips", json={"vehicle_id": vehicle.id, "start_odometer_km": 0}, headers=auth(user)
    ).json()
    assert client.get(f"/api/v1/trips/{trip['id']}", headers=auth(user)).status_code == 200
    r = client.post(
        f"/api/v1/trips/{trip['id']}/finish", json={"end_odometer_km": 12}, headers=auth(user)
    )
    assert r.status_code == 200, r.text


def test_driver_cannot_check_out_for_another_driver(client, make):
    user, _driver = make.driver_login()
    other = make.driver()
    r = client.post(
        "/api/v1/trips",
        headers=auth(user),
        json={"vehicle_id": make.vehicle().id, "start_odometer_km": 0, "driver_id": other.id},
    )
    assert r.status_code == 403
    assert "themselves" in r.json()["detail"]


def test_driver_naming_their_own_driver_id_is_accepted(client, make):
    user, driver = make.driver_login()
    r = client.post(
        "/api/v1/trips",
        headers=auth(user),
        json={"vehicle_id": make.vehicle().id, "start_odometer_km": 0, "driver_id": driver.id},
    )
    assert r.status_code == 201
    assert r.json()["driver_id"] == driver.id


def test_driver_login_without_a_driver_record_cannot_check_out(client, make):
    user = make.user("driver")
    r = client.post(
        "/api/v1/trips",
        headers=auth(user),
        json={"vehicle_id": make.vehicle().id, "start_odometer_km": 0},
    )
    assert r.status_code == 409
    assert "not linked" in r.json()["detail"]
