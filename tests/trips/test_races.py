"""Concurrent check-outs with real commits: the database lets exactly one win."""

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.trips.models import Trip
from tests.conftest import Factory, auth

ROUNDS = 3


def _race(client, requests: list[tuple[dict, dict]]) -> list[int]:
    """Send the requests from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def run(i: int, body: dict, headers: dict) -> None:
        barrier.wait()
        statuses[i] = client.post("/api/v1/trips", json=body, headers=headers).status_code

    threads = [
        threading.Thread(target=run, args=(i, body, headers))
        for i, (body, headers) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def _open_trips(engine, **where) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Trip).where(Trip.finished_at.is_(None))
        for column, value in where.items():
            query = query.where(getattr(Trip, column) == value)
        return session.execute(query).scalar_one()


def test_two_check_outs_of_one_vehicle_racing_one_wins_201_other_409(committed_client, engine):
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        manager = make.user("manager")
        rounds = [(make.vehicle().id, make.driver().id, make.driver().id) for _ in range(ROUNDS)]
        session.commit()
        headers = auth(manager)
    for vehicle_id, first, second in rounds:
        statuses = _race(
            committed_client,
            [
                ({"vehicle_id": vehicle_id, "driver_id": first, "start_odometer_km": 0}, headers),
                ({"vehicle_id": vehicle_id, "driver_id": second, "start_odometer_km": 0}, headers),
            ],
        )
        assert sorted(statuses) == [201, 409]
        assert _open_trips(engine, vehicle_id=vehicle_id) == 1


def test_two_drivers_racing_for_one_vehicle_from_their_phones(committed_client, engine):
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        (first, _), (second, _) = make.driver_login(), make.driver_login()
        vehicle_id = make.vehicle().id
        session.commit()
    statuses = _race(
        committed_client,
        [
            ({"vehicle_id": vehicle_id, "start_odometer_km": 0}, auth(first)),
            ({"vehicle_id": vehicle_id, "start_odometer_km": 0}, auth(second)),
        ],
    )
    assert sorted(statuses) == [201, 409]
    assert _open_trips(engine, vehicle_id=vehicle_id) == 1


def test_same_driver_racing_on_two_vehicles_one_wins_201_other_409(committed_client, engine):
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        manager = make.user("manager")
        rounds = [(make.driver().id, make.vehicle().id, make.vehicle().id) for _ in range(ROUNDS)]
        session.commit()
        headers = auth(manager)
    for driver_id, first, second in rounds:
        statuses = _race(
            committed_client,
            [
                ({"vehicle_id": first, "driver_id": driver_id, "start_odometer_km": 0}, headers),
                ({"vehicle_id": second, "driver_id": driver_id, "start_odometer_km": 0}, headers),
            ],
        )
        assert sorted(statuses) == [201, 409]
        assert _open_trips(engine, driver_id=driver_id) == 1


def test_the_losing_vehicle_of_a_driver_race_stays_available(committed_client, engine):
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        manager = make.user("manager")
        driver_id, first, second = make.driver().id, make.vehicle().id, make.vehicle().id
        session.commit()
    _race(
        committed_client,
        [
            ({"vehicle_id": first, "driver_id": driver_id, "start_odometer_km": 0}, auth(manager)),
            ({"vehicle_id": second, "driver_id": driver_id, "start_odometer_km": 0}, auth(manager)),
        ],
    )
    from api.vehicles.models import Vehicle

    with Session(engine) as session:
        statuses = sorted(
            session.execute(select(Vehicle.status).where(Vehicle.id.in_([first, second]))).scalars()
        )
    assert statuses == ["available", "in_use"]


def test_finishing_one_trip_twice_concurrently_finishes_it_once(committed_client, engine):
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        manager = make.user("manager")
        vehicle_id, driver_id = make.vehicle().id, make.driver().id
        session.commit()
    headers = auth(manager)
    trip = committed_client.post(
        "/api/v1/trips",
        headers=headers,
        json={"vehicle_id": vehicle_id, "driver_id": driver_id, "start_odometer_km": 0},
    ).json()
    barrier = threading.Barrier(2)
    statuses = []

    def run(km: int) -> None:
        barrier.wait()
        statuses.append(
            committed_client.post(
                f"/api/v1/trips/{trip['id']}/finish", json={"end_odometer_km": km}, headers=headers
            ).status_code
        )

    threads = [threading.Thread(target=run, args=(km,)) for km in (10, 20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
