"""Drivers: one record per CNH, known categories, an optional link to one `driver` login."""

import pytest

from tests.conftest import auth

URL = "/api/v1/drivers"


def body(**fields) -> dict:
    return {
        "name": "Ana Souza",
        "license_number": "123.456.789-01",
        "license_category": "ab",
        "license_expiry": "2031-05-01",
        **fields,
    }


@pytest.fixture
def h(manager):
    return auth(manager)


def test_created_driver_has_normalised_licence_and_category(client, h):
    r = client.post(URL, json=body(), headers=h)
    assert r.status_code == 201, r.text
    assert r.json() | {"id": 0} == {
        "id": 0,
        "name": "Ana Souza",
        "license_number": "12345678901",
        "license_category": "AB",
        "license_expiry": "2031-05-01",
        "user_id": None,
        "is_active": True,
    }


def test_duplicate_licence_number_is_409(client, h):
    assert client.post(URL, json=body(), headers=h).status_code == 201
    r = client.post(URL, json=body(name="Other", license_number="12345678901"), headers=h)
    assert r.status_code == 409
    assert "license_number" in r.json()["detail"]


def test_changing_licence_to_an_existing_one_is_409(client, h, make):
    make.driver(license_number="11111111111")
    other = make.driver()
    r = client.patch(f"{URL}/{other.id}", json={"license_number": "11111111111"}, headers=h)
    assert r.status_code == 409


@pytest.mark.parametrize(
    "number", ["", "1234567890", "123456789012", "abcdefghijk", "1" * 21, "1234567890\x00"]
)
def test_malformed_licence_number_is_422(client, h, number):
    r = client.post(URL, json=body(license_number=number), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "license_number"


@pytest.mark.parametrize("category", ["", "F", "BC", "ABC", "1"])
def test_unknown_licence_category_is_422(client, h, category):
    r = client.post(URL, json=body(license_category=category), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "license_category"


@pytest.mark.parametrize("expiry", ["1900-01-01", "3000-01-01", "2030-02-30", "tomorrow", None])
def test_implausible_licence_expiry_is_422(client, h, expiry):
    r = client.post(URL, json=body(license_expiry=expiry), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "license_expiry"


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "x" * 121}, {"name": "A\x00B"}, {"cpf": "123"}],
    ids=["empty", "long", "nul", "unknown"],
)
def test_bad_driver_fields_are_422(client, h, fields):
    assert client.post(URL, json=body(**fields), headers=h).status_code == 422


def test_driver_can_be_linked_to_a_driver_login(client, h, make):
    user = make.user("driver")
    r = client.post(URL, json=body(user_id=user.id), headers=h)
    assert r.status_code == 201
    assert r.json()["user_id"] == user.id


def test_linking_to_an_unknown_user_is_422(client, h):
    r = client.post(URL, json=body(user_id=999_999), headers=h)
    assert r.status_code == 422
    assert "does not exist" in r.json()["detail"]


def test_linking_to_a_manager_login_is_422(client, h, manager):
    r = client.post(URL, json=body(user_id=manager.id), headers=h)
    assert r.status_code == 422
    assert "only a `driver` login" in r.json()["detail"]


def test_linking_a_login_that_has_a_driver_already_is_409(client, h, make):
    user, _driver = make.driver_login()
    r = client.post(URL, json=body(user_id=user.id), headers=h)
    assert r.status_code == 409
    assert "already linked" in r.json()["detail"]


def test_user_id_null_unlinks_the_login(client, h, make):
    _user, driver = make.driver_login()
    r = client.patch(f"{URL}/{driver.id}", json={"user_id": None}, headers=h)
    assert r.status_code == 200
    assert r.json()["user_id"] is None


def test_null_for_a_required_field_on_update_is_422(client, h, make):
    driver = make.driver()
    r = client.patch(f"{URL}/{driver.id}", json={"name": None}, headers=h)
    assert r.status_code == 422
    assert "cannot be null" in r.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_driver_id_is_404(client, h, method):
    r = client.request(method, f"{URL}/987654", headers=h, json={"name": "X"})
    assert r.status_code == 404
    assert "not found" in r.json()["detail"]


def test_delete_without_trips_removes_the_driver(client, h, make):
    driver = make.driver()
    assert client.delete(f"{URL}/{driver.id}", headers=h).status_code == 204
    assert client.get(f"{URL}/{driver.id}", headers=h).status_code == 404


def test_delete_with_trips_deactivates_the_driver(client, h, make, session):
    from api.trips.models import Trip

    driver = make.driver()
    trip = Trip(
        vehicle_id=make.vehicle(status="in_use").id, driver_id=driver.id, start_odometer_km=0
    )
    session.add(trip)
    session.flush()
    client.post(f"/api/v1/trips/{trip.id}/finish", json={"end_odometer_km": 1}, headers=h)
    r = client.delete(f"{URL}/{driver.id}", headers=h)
    assert r.status_code == 200
    assert r.json()["is_active"] is False


def test_delete_of_a_driver_on_a_trip_is_409(client, h, make, session):
    from api.trips.models import Trip

    driver = make.driver()
    session.add(
        Trip(vehicle_id=make.vehicle(status="in_use").id, driver_id=driver.id, start_odometer_km=0)
    )
    session.flush()
    assert client.delete(f"{URL}/{driver.id}", headers=h).status_code == 409
