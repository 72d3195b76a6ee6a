"""Vehicles: normalised unique plates, plausible years, an odometer that never goes back."""

import pytest

from tests.conftest import auth

URL = "/api/v1/vehicles"


def body(**fields) -> dict:
    return {"plate": "QWE1R23", "make": "Fiat", "model": "Strada", "year": 2022, **fields}


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("ABC1234", "ABC1234"),
        ("abc1d23", "ABC1D23"),
        ("abc-1234", "ABC1234"),
        (" ABC 1D23 ", "ABC1D23"),
        ("abc.1d23", "ABC1D23"),
    ],
)
def test_plate_is_normalised_in_both_brazilian_formats(client, h, given, stored):
    r = client.post(URL, json=body(plate=given), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["plate"] == stored


def test_created_vehicle_has_the_contract_fields(client, h):
    r = client.post(URL, json=body(odometer_km=1500), headers=h)
    assert r.status_code == 201
    assert r.json() == {
        "id": r.json()["id"],
        "plate": "QWE1R23",
        "make": "Fiat",
        "model": "Strada",
        "year": 2022,
        "odometer_km": 1500,
        "status": "available",
    }


@pytest.mark.parametrize(
    "plate",
    [
        "",
        "ABC123",
        "ABC12345",
        "AB1234",
        "1234ABC",
        "ABCD123",
        "ABC1DD3",
        "ABC12D3",
        "ÁBC1234",
        "ABC1234; DROP TABLE",
        "A" * 21,
        "ABC\x001234",
    ],
)
def test_malformed_plate_is_422_with_the_accepted_formats(client, h, plate):
    r = client.post(URL, json=body(plate=plate), headers=h)
    assert r.status_code == 422, r.text
    assert "plate" in r.json()["detail"][0]["loc"]


def test_duplicate_plate_is_409(client, h):
    assert client.post(URL, json=body(plate="DUP1234"), headers=h).status_code == 201
    r = client.post(URL, json=body(plate="dup-1234"), headers=h)
    assert r.status_code == 409
    assert "DUP1234" in r.json()["detail"]


def test_changing_plate_to_an_existing_one_is_409(client, h, make):
    make.vehicle(plate="OLD1A11")
    other = make.vehicle(plate="NEW2B22")
    r = client.patch(f"{URL}/{other.id}", json={"plate": "old-1a11"}, headers=h)
    assert r.status_code == 409


@pytest.mark.parametrize("year", [1800, 1949, 2999, -1, 0])
def test_implausible_year_is_422(client, h, year):
    r = client.post(URL, json=body(year=year), headers=h)
    assert r.status_code == 422
    assert "year must be between" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("year", ["twenty", 2020.5, None])
def test_year_that_is_not_an_integer_is_422(client, h, year):
    assert client.post(URL, json=body(year=year), headers=h).status_code == 422


@pytest.mark.parametrize("odometer", [-1, -1000, 5_000_001, 2**63, "many", 1.5])
def test_bad_odometer_on_create_is_422(client, h, odometer):
    r = client.post(URL, json=body(odometer_km=odometer), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "odometer_km"


@pytest.mark.parametrize(
    "fields",
    [
        {"make": ""},
        {"make": "   "},
        {"model": "x" * 61},
        {"make": "Fi\x00at"},
        {"color": "red"},
        {"status": "stolen"},
        {"id": 5},
    ],
    ids=["empty-make", "blank-make", "long-model", "nul", "unknown-field", "bad-status", "id"],
)
def test_bad_fields_on_create_are_422(client, h, fields):
    r = client.post(URL, json=body(**fields), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"]


@pytest.mark.parametrize("payload", ["not json", "[]", "null", '{"plate": '])
def test_body_that_is_not_an_object_is_422(client, h, payload):
    r = client.post(URL, content=payload, headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422


def test_creating_a_vehicle_in_use_is_422(client, h):
    r = client.post(URL, json=body(status="in_use"), headers=h)
    assert r.status_code == 422
    assert "check-out" in r.json()["detail"]


def test_odometer_may_grow(client, h, make):
    vehicle = make.vehicle(odometer_km=100)
    r = client.patch(f"{URL}/{vehicle.id}", json={"odometer_km": 150}, headers=h)
    assert r.status_code == 200
    assert r.json()["odometer_km"] == 150


def test_decreasing_odometer_is_422(client, h, make):
    vehicle = make.vehicle(odometer_km=100)
    r = client.patch(f"{URL}/{vehicle.id}", json={"odometer_km": 99}, headers=h)
    assert r.status_code == 422
    assert "cannot decrease" in r.json()["detail"]


def test_negative_odometer_on_update_is_422(client, h, make):
    vehicle = make.vehicle()
    assert (
        client.patch(f"{URL}/{vehicle.id}", json={"odometer_km": -5}, headers=h).status_code == 422
    )


def test_setting_in_use_by_hand_is_422(client, h, make):
    vehicle = make.vehicle()
    r = client.patch(f"{URL}/{vehicle.id}", json={"status": "in_use"}, headers=h)
    assert r.status_code == 422


def test_changing_status_of_a_vehicle_on_a_trip_is_409(client, h, make):
    vehicle = make.vehicle(status="in_use")
    r = client.patch(f"{URL}/{vehicle.id}", json={"status": "maintenance"}, headers=h)
    assert r.status_code == 409
    assert "on a trip" in r.json()["detail"]


def test_vehicle_can_go_to_maintenance_and_back(client, h, make):
    vehicle = make.vehicle()
    assert (
        client.patch(f"{URL}/{vehicle.id}", json={"status": "maintenance"}, headers=h).json()[
            "status"
        ]
        == "maintenance"
    )
    assert (
        client.patch(f"{URL}/{vehicle.id}", json={"status": "available"}, headers=h).json()[
            "status"
        ]
        == "available"
    )


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_vehicle_id_is_404(client, h, method):
    r = client.request(method, f"{URL}/999999", headers=h, json={"make": "X"})
    assert r.status_code == 404, r.text
    assert "not found" in r.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("vehicle_id", ["0", "2147483648", "99999999999999999999"])
def test_vehicle_id_outside_the_column_range_is_422(client, h, method, vehicle_id):
    r = client.request(method, f"{URL}/{vehicle_id}", headers=h, json={"make": "X"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["path", "vehicle_id"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_non_numeric_vehicle_id_is_422(client, h, method):
    r = client.request(method, f"{URL}/abc", headers=h, json={"make": "X"})
    assert r.status_code == 422


def test_delete_without_history_removes_the_vehicle(client, h, make):
    vehicle = make.vehicle()
    assert client.delete(f"{URL}/{vehicle.id}", headers=h).status_code == 204
    assert client.get(f"{URL}/{vehicle.id}", headers=h).status_code == 404


def test_delete_with_history_retires_the_vehicle(client, h, make, session):
    from api.trips.models import Trip

    vehicle = make.vehicle()
    trip = Trip(vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=0)
    session.add(trip)
    session.flush()
    client.post(f"/api/v1/trips/{trip.id}/finish", json={"end_odometer_km": 10}, headers=h)
    r = client.delete(f"{URL}/{vehicle.id}", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "retired"
    assert client.get(f"{URL}/{vehicle.id}", headers=h).json()["status"] == "retired"


def test_delete_of_a_vehicle_on_a_trip_is_409(client, h, make, session):
    from api.trips.models import Trip

    vehicle = make.vehicle(status="in_use")
    session.add(Trip(vehicle_id=vehicle.id, driver_id=make.driver().id, start_odometer_km=0))
    session.flush()
    r = client.delete(f"{URL}/{vehicle.id}", headers=h)
    assert r.status_code == 409
    assert "finish the trip" in r.json()["detail"]


def test_delete_of_a_vehicle_referenced_elsewhere_retires_it(client, h, make, session):
    from sqlalchemy import text

    vehicle = make.vehicle()
    # Stands in for any later table (photos) that points at vehicles; dropped after the test.
    session.execute(text("CREATE TABLE test_vehicle_refs (vehicle_id int REFERENCES vehicles(id))"))
    session.execute(text("INSERT INTO test_vehicle_refs VALUES (:id)"), {"id": vehicle.id})
    try:
        r = client.delete(f"{URL}/{vehicle.id}", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "retired"
    finally:
        session.execute(text("DROP TABLE test_vehicle_refs"))
        session.commit()
