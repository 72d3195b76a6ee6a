"""Fuel entries: prices that agree, odometers that never go back, km/l between full tanks, and
what a driver may log."""

import pytest

from tests.conftest import assert_never_500, auth
from tests.photos.conftest import sideways_jpeg, upload

URL = "/api/v1/fuel-entries"


def log(client, user, **fields):
    body = {"fuel_type": "gasoline", **fields}
    return client.post(URL, json=body, headers=auth(user))


@pytest.fixture
def car(make):
    return make.vehicle(odometer_km=10_000)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"liters": 40, "price_per_liter": 5.899}, ("40.000", "5.899", "235.96")),
        ({"liters": 40, "total_price": 235.96}, ("40.000", "5.899", "235.96")),
        ({"price_per_liter": 5.899, "total_price": 235.96}, ("40.000", "5.899", "235.96")),
        ({"liters": 40, "price_per_liter": 5.899, "total_price": 236}, ("40.000", "5.899", "236")),
    ],
)
def test_two_of_liters_price_and_total_give_the_third(client, manager, car, given, expected):
    r = log(client, manager, vehicle_id=car.id, odometer_km=10_100, **given)
    assert r.status_code == 201, r.text
    entry = r.json()
    assert (entry["liters"], entry["price_per_liter"], entry["total_price"]) == tuple(
        float(x) for x in expected
    )
    assert entry["filled_at"] and entry["full_tank"] is True and entry["km_per_liter"] is None


@pytest.mark.parametrize(
    ("given", "detail"),
    [
        ({"liters": 40}, "Send two of"),
        ({"liters": 40, "price_per_liter": 5.9, "total_price": 300}, "within 1 %"),
        ({"price_per_liter": 0, "total_price": 10}, "price_per_liter of 0"),
    ],
)
def test_prices_that_do_not_add_up_are_422(client, manager, car, given, detail):
    r = log(client, manager, vehicle_id=car.id, odometer_km=10_100, **given)
    assert r.status_code == 422 and detail in r.json()["detail"], r.text


def test_km_per_liter_between_full_tanks_counts_partial_fill_ups(client, manager, car):
    def fill(day, km, liters, **fields):
        r = log(
            client,
            manager,
            vehicle_id=car.id,
            filled_at=f"2026-11-{day:02d}T10:00:00-03:00",
            odometer_km=km,
            liters=liters,
            price_per_liter=6,
            **fields,
        )
        assert r.status_code == 201, r.text
        return r.json()

    first = fill(1, 10_000, 40)
    partial = fill(5, 10_200, 10, full_tank=False)
    second = fill(9, 10_500, 30)
    assert first["km_per_liter"] is None and partial["km_per_liter"] is None
    assert second["km_per_liter"] == 12.5  # 500 km / (10 + 30) l
    # missed_previous: a fill-up was not logged, so there is no km/l across it.
    third = fill(15, 11_000, 40, missed_previous=True)
    assert third["km_per_liter"] is None
    fourth = fill(20, 11_480, 40)
    assert fourth["km_per_liter"] == 12.0
    # A correction re-chains: the partial one removed, the second's km/l is 500 / 30.
    assert client.delete(f"{URL}/{partial['id']}", headers=auth(manager)).status_code == 204
    assert client.get(f"{URL}/{second['id']}", headers=auth(manager)).json()["km_per_liter"] == (
        16.67
    )
    fixed = client.patch(
        f"{URL}/{third['id']}", json={"missed_previous": False}, headers=auth(manager)
    )
    assert fixed.json()["km_per_liter"] == 12.5  # 500 km / 40 l
    listed = client.get(f"{URL}?vehicle_id={car.id}", headers=auth(manager)).json()
    assert [e["km_per_liter"] for e in listed["items"]] == [12.0, 12.5, 16.67, None]


def test_the_odometer_never_goes_back(client, manager, car, make):
    h = auth(manager)
    ok = log(client, manager, vehicle_id=car.id, odometer_km=10_500, liters=30, total_price=180)
    assert ok.status_code == 201
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["odometer_km"] == 10_500
    back = log(client, manager, vehicle_id=car.id, odometer_km=10_400, liters=30, total_price=180)
    assert back.status_code == 422
    assert "below 10500 km, the reading of fuel entry" in back.json()["detail"]
    # A fill-up logged for last week must lie below the readings that came after it.
    earlier = log(
        client,
        manager,
        vehicle_id=car.id,
        filled_at="2020-01-01T10:00:00Z",
        odometer_km=10_600,
        liters=30,
        total_price=180,
    )
    assert earlier.status_code == 422 and "above 10500 km" in earlier.json()["detail"]
    jump = log(client, manager, vehicle_id=car.id, odometer_km=30_000, liters=30, total_price=180)
    assert jump.status_code == 422 and "confirm" in jump.json()["detail"]
    confirmed = log(
        client,
        manager,
        vehicle_id=car.id,
        odometer_km=30_000,
        liters=30,
        total_price=180,
        confirm=True,
    )
    assert confirmed.status_code == 201
    future = log(
        client,
        manager,
        vehicle_id=car.id,
        filled_at="2999-01-01T00:00:00Z",
        odometer_km=30_001,
        liters=1,
        total_price=6,
    )
    assert future.status_code == 422 and "future" in future.json()["detail"]


def test_a_fill_up_during_a_trip_is_bounded_by_the_trips_readings(client, manager, make, car):
    user, driver = make.driver_login()
    h = auth(manager)
    trip = client.post(
        "/api/v1/trips",
        json={"vehicle_id": car.id, "driver_id": driver.id, "start_odometer_km": 10_000},
        headers=h,
    ).json()
    below = log(client, manager, vehicle_id=car.id, odometer_km=9_999, liters=10, total_price=60)
    assert below.status_code == 422 and f"trip {trip['id']}" in below.json()["detail"]
    during = log(
        client,
        manager,
        vehicle_id=car.id,
        trip_id=trip["id"],
        odometer_km=10_050,
        liters=10,
        total_price=60,
    )
    assert during.status_code == 201, during.text
    assert during.json()["driver_id"] == driver.id  # the trip's driver


@pytest.mark.usefixtures("upload_dir")
def test_a_driver_logs_fuel_for_their_trip_with_a_receipt(client, fleet, make, manager):
    driver_user, vehicle = fleet["driver_user"], fleet["vehicle"]
    receipt = upload(
        client,
        driver_user,
        sideways_jpeg(size=(600, 800)),
        vehicle_id=vehicle.id,
        kind="fuel_receipt",
    ).json()
    damage = upload(
        client, driver_user, sideways_jpeg(size=(600, 800), seed=3), vehicle_id=vehicle.id
    ).json()
    fields = {"odometer_km": 1100, "liters": 35, "price_per_liter": 5.79}
    no_receipt = log(client, driver_user, **fields)
    assert no_receipt.status_code == 422 and "receipt" in no_receipt.json()["detail"]
    wrong_kind = log(client, driver_user, receipt_photo_id=damage["id"], **fields)
    assert wrong_kind.status_code == 422 and "not a fuel_receipt" in wrong_kind.json()["detail"]
    other = make.vehicle()
    elsewhere = log(
        client, driver_user, vehicle_id=other.id, receipt_photo_id=receipt["id"], **fields
    )
    assert elsewhere.status_code == 403
    logged = log(client, driver_user, receipt_photo_id=receipt["id"], **fields)
    assert logged.status_code == 201, logged.text
    entry = logged.json()
    assert entry["vehicle_id"] == vehicle.id and entry["trip_id"] == fleet["trip"].id
    assert entry["driver_id"] == fleet["driver"].id and entry["receipt_photo_id"] == receipt["id"]
    again = log(client, driver_user, receipt_photo_id=receipt["id"], **fields)
    assert again.status_code == 409 and "already the receipt" in again.json()["detail"]
    # The receipt cannot be deleted from under its entry.
    gone = client.delete(f"/api/v1/photos/{receipt['id']}", headers=auth(manager))
    assert gone.status_code == 409 and "in use" in gone.json()["detail"]
    # Drivers read their own entries, and change none.
    theirs = client.get(URL, headers=auth(driver_user)).json()
    assert [e["id"] for e in theirs["items"]] == [entry["id"]]
    someone_else, _ = make.driver_login()
    assert client.get(f"{URL}/{entry['id']}", headers=auth(someone_else)).status_code == 404
    assert client.get(URL, headers=auth(someone_else)).json()["total"] == 0
    patch = client.patch(f"{URL}/{entry['id']}", json={"notes": "x"}, headers=auth(driver_user))
    assert patch.status_code == 403
    assert client.delete(f"{URL}/{entry['id']}", headers=auth(driver_user)).status_code == 403


def test_a_driver_without_a_trip_is_told_why(client, make):
    user, _ = make.driver_login()
    r = log(client, user, odometer_km=10, liters=1, total_price=6, receipt_photo_id=1)
    assert r.status_code == 409 and "open or last trip" in r.json()["detail"]


def test_bad_input_is_4xx_with_a_detail(client, manager, car):
    body = {
        "vehicle_id": car.id,
        "odometer_km": 10_001,
        "liters": 10,
        "price_per_liter": 6,
        "fuel_type": "diesel",
    }
    for field in (
        "vehicle_id",
        "driver_id",
        "trip_id",
        "filled_at",
        "odometer_km",
        "liters",
        "price_per_liter",
        "total_price",
        "fuel_type",
        "full_tank",
        "station",
        "receipt_photo_id",
        "notes",
    ):
        assert_never_500(client, "POST", URL, body, field, auth(manager))
    entry = log(client, manager, **body).json()
    for field in ("odometer_km", "liters", "filled_at", "fuel_type", "trip_id"):
        assert_never_500(client, "PATCH", f"{URL}/{entry['id']}", {}, field, auth(manager))
