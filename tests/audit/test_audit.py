"""The audit log: every write and every login with before and after, in the same transaction,
readable by admins, and append-only in the database itself (raw SQL cannot change it)."""

import pytest
from sqlalchemy import text

from tests.conftest import TEST_PASSWORD, auth

URL = "/api/v1/audit"


def entries(client, admin, **params):
    r = client.get(URL, params={"limit": 200, **params}, headers=auth(admin))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_write_is_logged_with_before_and_after_and_its_request_id(client, admin, manager):
    h = {**auth(manager), "X-Request-ID": "req-odometer-42"}
    car = client.post(
        "/api/v1/vehicles",
        json={"plate": "AUD1T23", "make": "Fiat", "model": "Mobi", "year": 2022},
        headers=h,
    ).json()
    client.patch(f"/api/v1/vehicles/{car['id']}", json={"odometer_km": 1500}, headers=h)
    log = entries(client, admin, entity="vehicle", entity_id=car["id"])
    assert [e["action"] for e in log] == ["update", "create"]  # newest first
    update, create = log
    assert update["changes"] == {"odometer_km": [0, 1500]}
    assert update["actor_id"] == manager.id and update["request_id"] == "req-odometer-42"
    assert create["changes"]["plate"] == [None, "AUD1T23"]


def test_a_consequence_is_logged_with_the_actor_who_caused_it(client, admin, make):
    user, driver = make.driver_login()
    car = make.vehicle(odometer_km=10)
    trip = client.post(
        "/api/v1/trips", json={"vehicle_id": car.id, "start_odometer_km": 10}, headers=auth(user)
    ).json()
    (vehicle_change,) = entries(client, admin, entity="vehicle", entity_id=car.id, action="update")
    assert vehicle_change["changes"]["status"] == ["available", "in_use"]
    assert vehicle_change["actor_id"] == user.id
    (trip_created,) = entries(client, admin, entity="trip", entity_id=trip["id"], action="create")
    assert trip_created["changes"]["driver_id"] == [None, driver.id]


def test_logins_are_logged_and_secrets_are_not(client, admin, make):
    user = make.user("manager")
    r = client.post("/api/v1/auth/login", data={"username": user.email, "password": TEST_PASSWORD})
    assert r.status_code == 200
    (login,) = entries(client, admin, action="login", actor_id=user.id)
    assert login["entity"] == "user" and login["entity_id"] == user.id
    client.post(
        "/api/v1/auth/password",
        json={"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"},
        headers=auth(user),
    )
    (change,) = entries(client, admin, entity="user", entity_id=user.id, action="update")
    assert change["changes"]["password_hash"] == ["[secret]", "[secret]"]


def test_only_admins_read_it(client, headers_as):
    for role, expected in (("admin", 200), ("manager", 403), ("driver", 403), ("anonymous", 401)):
        assert client.get(URL, headers=headers_as(role)).status_code == expected, role


def test_a_write_that_fails_leaves_no_audit_row(client, admin, manager, make):
    make.vehicle(plate="DUP1A23")
    r = client.post(
        "/api/v1/vehicles",
        json={"plate": "DUP1A23", "make": "Fiat", "model": "Uno", "year": 2020},
        headers=auth(manager),
    )
    assert r.status_code == 409
    assert [
        e for e in entries(client, admin, entity="vehicle") if e["actor_id"] == manager.id
    ] == []


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor_id = NULL",
        "TRUNCATE audit_log",
    ],
)
def test_raw_sql_as_the_apps_role_cannot_change_it(client, admin, manager, engine, statement):
    """The tests connect as the application does (the app's role here is the test database's
    owner, even a superuser): the trigger refuses each of these."""
    client.post(
        "/api/v1/vehicles",
        json={"plate": "RAW1A23", "make": "Fiat", "model": "Uno", "year": 2020},
        headers=auth(manager),
    )
    before = len(entries(client, admin))
    assert before >= 1
    with engine.connect() as connection:
        with pytest.raises(Exception, match="audit_log is append-only"):
            connection.execute(text(statement))
        connection.rollback()
        assert connection.execute(text("SELECT current_user")).scalar_one()
    assert len(entries(client, admin)) == before


@pytest.mark.parametrize(
    "query",
    [
        "entity=spaceship",
        "action=erase",
        "from=yesterday",
        "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
    ],
)
def test_bad_filters_are_422(client, admin, query):
    r = client.get(f"{URL}?{query}", headers=auth(admin))
    assert r.status_code == 422 and r.json()["detail"]


def test_a_value_the_database_sets_is_logged_as_such(session, admin, client, make):
    """`photo.pruned_at = func.now()` (the pruning job): the log says the database set it."""
    from sqlalchemy import func

    vehicle = make.vehicle()
    vehicle.model = func.upper("strada")
    session.commit()
    (change,) = entries(client, admin, entity="vehicle", entity_id=vehicle.id, action="update")
    assert change["changes"]["model"][1] == "[set by the database]"
    assert change["actor_id"] is None  # no request: the system
