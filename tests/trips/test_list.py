"""GET /trips: bounds, filters (state, vehicle, driver, date range), newest first, stable."""

from datetime import UTC, datetime, timedelta

import pytest

from api.trips.models import Trip
from tests.conftest import auth

URL = "/api/v1/trips"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.fixture
def trips(make, session):
    """Three finished trips a day apart and one open, on two vehicles and two drivers."""
    cars, drivers = [make.vehicle(), make.vehicle()], [make.driver(), make.driver()]
    rows = []
    for day in range(3):
        start = T0 + timedelta(days=day)
        rows.append(
            Trip(
                vehicle_id=cars[day % 2].id,
                driver_id=drivers[day % 2].id,
                start_odometer_km=day * 100,
                end_odometer_km=day * 100 + 50,
                started_at=start,
                finished_at=start + timedelta(hours=2),
            )
        )
    rows.append(
        Trip(
            vehicle_id=cars[0].id,
            driver_id=drivers[0].id,
            start_odometer_km=1000,
            started_at=T0 + timedelta(days=5),
        )
    )
    session.add_all(rows)
    session.flush()
    return {"trips": rows, "vehicles": cars, "drivers": drivers}


def ids(client, h, query=""):
    r = client.get(f"{URL}?{query}", headers=h)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "offset=-1",
        "state=closed",
        "vehicle_id=x",
        "started_from=yesterday",
        "started_from=2026-03-02T00:00:00Z&started_to=2026-03-01T00:00:00Z",
    ],
)
def test_bad_list_parameters_are_422(client, h, query):
    r = client.get(f"{URL}?{query}", headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_trips_are_newest_first(client, h, trips):
    t = trips["trips"]
    assert ids(client, h) == [t[3].id, t[2].id, t[1].id, t[0].id]


def test_trips_started_together_are_ordered_by_id(client, h, make, session):
    same = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        Trip(
            vehicle_id=make.vehicle().id,
            driver_id=make.driver().id,
            start_odometer_km=0,
            started_at=same,
        )
        for _ in range(3)
    ]
    session.add_all(rows)
    session.flush()
    assert ids(client, h) == sorted((r.id for r in rows), reverse=True)


def test_filter_by_state(client, h, trips):
    t = trips["trips"]
    assert ids(client, h, "state=open") == [t[3].id]
    assert ids(client, h, "state=finished") == [t[2].id, t[1].id, t[0].id]


def test_filter_by_vehicle_and_driver(client, h, trips):
    t, car, driver = trips["trips"], trips["vehicles"][1], trips["drivers"][0]
    assert ids(client, h, f"vehicle_id={car.id}") == [t[1].id]
    assert ids(client, h, f"driver_id={driver.id}") == [t[3].id, t[2].id, t[0].id]


def test_filter_by_date_range_from_inclusive_to_exclusive(client, h, trips):
    t = trips["trips"]
    query = "started_from=2026-03-02T08:00:00Z&started_to=2026-03-03T08:00:00Z"
    assert ids(client, h, query) == [t[1].id]


def test_filters_combine(client, h, trips):
    t, car = trips["trips"], trips["vehicles"][0]
    assert ids(client, h, f"vehicle_id={car.id}&state=finished") == [t[2].id, t[0].id]


def test_total_and_next_link(client, h, trips):
    body = client.get(f"{URL}?limit=3", headers=h).json()
    assert body["total"] == 4 and len(body["items"]) == 3 and body["next"]
    rest = client.get(body["next"], headers=h).json()
    assert [t["id"] for t in rest["items"]] == [trips["trips"][0].id]
    assert rest["next"] is None


def test_unknown_vehicle_filter_is_an_empty_list(client, h, trips):
    assert ids(client, h, "vehicle_id=987654") == []


def test_a_role_change_applies_to_the_very_next_list(client, admin, make, trips):
    user = make.user("manager")
    own = make.driver(user=user)
    make.session.add(
        Trip(
            vehicle_id=trips["vehicles"][1].id,
            driver_id=own.id,
            start_odometer_km=5,
            end_odometer_km=9,
            started_at=T0 - timedelta(days=1),
            finished_at=T0 - timedelta(hours=20),
        )
    )
    make.session.flush()
    everyone = [t.id for t in trips["trips"]]
    assert set(everyone) <= set(ids(client, auth(user)))  # a manager sees every trip

    r = client.patch(f"/api/v1/users/{user.id}", json={"role": "driver"}, headers=auth(admin))
    assert r.status_code == 200, r.text
    assert ids(client, auth(user)) == ids(client, auth(user), f"driver_id={own.id}")
    assert not set(everyone) & set(ids(client, auth(user)))  # now only their own

    r = client.patch(f"/api/v1/users/{user.id}", json={"role": "manager"}, headers=auth(admin))
    assert r.status_code == 200, r.text
    assert set(everyone) <= set(ids(client, auth(user)))


def test_deactivation_stops_the_lists_at_once(client, admin, make, trips):
    user = make.user("manager")
    for url in ("/api/v1/trips", "/api/v1/vehicles", "/api/v1/photos"):
        assert client.get(url, headers=auth(user)).status_code == 200
    r = client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=auth(admin))
    assert r.status_code == 200, r.text
    for url in ("/api/v1/trips", "/api/v1/vehicles", "/api/v1/photos"):
        r = client.get(url, headers=auth(user))
        assert r.status_code == 401 and "deactivated" in r.json()["detail"], (url, r.text)
