"""Rules the database itself enforces, whoever writes the rows (API, psql, a restore script)."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import constraint_name
from api.trips.models import Trip
from tests.conftest import Factory, auth


def _refused(session, sql: str, **params) -> str | None:
    with pytest.raises(IntegrityError) as caught, session.begin_nested():
        session.execute(text(sql), params)
    return constraint_name(caught.value)


def test_odometer_trigger_refuses_a_decrease_even_via_raw_sql(session, make):
    vehicle = make.vehicle(odometer_km=1000)
    name = _refused(session, "UPDATE vehicles SET odometer_km = 999 WHERE id = :id", id=vehicle.id)
    assert name == "ck_vehicles_odometer_never_decreases"


def test_odometer_trigger_lets_an_increase_through(session, make):
    vehicle = make.vehicle(odometer_km=1000)
    session.execute(
        text("UPDATE vehicles SET odometer_km = 1001 WHERE id = :id"), {"id": vehicle.id}
    )


def test_negative_odometer_is_refused_by_the_database(session):
    name = _refused(
        session,
        "INSERT INTO vehicles (plate, make, model, year, odometer_km) "
        "VALUES ('NEG1234', 'Fiat', 'Uno', 2020, -1)",
    )
    assert name == "ck_vehicles_odometer_not_negative"


def test_malformed_plate_is_refused_by_the_database(session):
    name = _refused(
        session,
        "INSERT INTO vehicles (plate, make, model, year) VALUES ('abc1234', 'Fiat', 'Uno', 2020)",
    )
    assert name == "ck_vehicles_plate_format"


def test_second_open_trip_for_a_vehicle_is_refused_by_the_database(session, make):
    vehicle = make.vehicle()
    insert = "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km) VALUES (:v, :d, 0)"
    session.execute(text(insert), {"v": vehicle.id, "d": make.driver().id})
    assert (
        _refused(session, insert, v=vehicle.id, d=make.driver().id) == "uq_trips_open_per_vehicle"
    )


def test_second_open_trip_for_a_driver_is_refused_by_the_database(session, make):
    driver = make.driver()
    insert = "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km) VALUES (:v, :d, 0)"
    session.execute(text(insert), {"v": make.vehicle().id, "d": driver.id})
    assert _refused(session, insert, v=make.vehicle().id, d=driver.id) == "uq_trips_open_per_driver"


def test_trip_ending_below_its_start_is_refused_by_the_database(session, make):
    name = _refused(
        session,
        "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
        "finished_at) VALUES (:v, :d, 100, 99, now())",
        v=make.vehicle().id,
        d=make.driver().id,
    )
    assert name == "ck_trips_end_odometer_not_below_start"


def test_finished_trip_without_end_odometer_is_refused_by_the_database(session, make):
    name = _refused(
        session,
        "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, finished_at) "
        "VALUES (:v, :d, 100, now())",
        v=make.vehicle().id,
        d=make.driver().id,
    )
    assert name == "ck_trips_finished_has_end_odometer"


def test_trigger_refusal_behind_a_stale_read_reaches_the_client_as_422(
    client, session, make, manager
):
    vehicle = make.vehicle(odometer_km=100)
    # Someone else moved the odometer on; this session still holds the old value.
    session.execute(
        text("UPDATE vehicles SET odometer_km = 500 WHERE id = :id"), {"id": vehicle.id}
    )
    r = client.patch(
        f"/api/v1/vehicles/{vehicle.id}", json={"odometer_km": 200}, headers=auth(manager)
    )
    assert r.status_code == 422
    assert "cannot decrease" in r.json()["detail"]


def test_check_in_commits_trip_and_vehicle_together_or_not_at_all(committed_client, engine):
    with Session(engine, expire_on_commit=False) as setup:
        make = Factory(setup)
        manager = make.user("manager")
        vehicle_id, driver_id = make.vehicle().id, make.driver().id
        setup.commit()
    headers = auth(manager)
    trip = committed_client.post(
        "/api/v1/trips",
        headers=headers,
        json={"vehicle_id": vehicle_id, "driver_id": driver_id, "start_odometer_km": 0},
    ).json()
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION frota_test_refuse() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'vehicle update refused by the test'; END $$ "
                "LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER frota_test_refuse BEFORE UPDATE ON vehicles FOR EACH ROW "
                f"WHEN (OLD.id = {int(vehicle_id)}) EXECUTE FUNCTION frota_test_refuse()"
            )
        )
    try:
        try:
            response = committed_client.post(
                f"/api/v1/trips/{trip['id']}/finish", json={"end_odometer_km": 50}, headers=headers
            )
            assert response.status_code == 500
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - the test client re-raises the server's error
            pass
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER frota_test_refuse ON vehicles"))
            conn.execute(text("DROP FUNCTION frota_test_refuse()"))
    with Session(engine) as check:
        stored = check.execute(select(Trip).where(Trip.id == trip["id"])).scalar_one()
        assert stored.finished_at is None and stored.end_odometer_km is None
