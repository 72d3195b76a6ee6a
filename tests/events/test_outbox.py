"""The outbox: a change that others are told of leaves one event row in the same transaction,
with the resource as the API returns it; a change that rolls back leaves none."""

from datetime import UTC, datetime

from sqlalchemy import select

from api.events.models import Event
from api.inspections.models import Defect
from tests.conftest import auth


def events(session, **where) -> list[Event]:
    session.rollback()  # read what the API committed
    query = select(Event).order_by(Event.id)
    for name, value in where.items():
        query = query.where(getattr(Event, name) == value)
    return list(session.scalars(query))


def test_a_driver_day_and_a_manager_fix_leave_their_events_in_order(client, session, make, manager):
    user, driver = make.driver_login()
    car = make.vehicle(odometer_km=100)
    trip = client.post(
        "/api/v1/trips", json={"vehicle_id": car.id, "start_odometer_km": 100}, headers=auth(user)
    ).json()
    defect = client.post(
        "/api/v1/defects",
        json={"vehicle_id": car.id, "description": "Freio falhando", "severity": "critical"},
        headers=auth(user),
    ).json()
    client.post(
        f"/api/v1/trips/{trip['id']}/finish", json={"end_odometer_km": 150}, headers=auth(user)
    )
    resolved = client.patch(
        f"/api/v1/defects/{defect['id']}", json={"status": "resolved"}, headers=auth(manager)
    ).json()

    seen = [(e.type, e.entity, e.entity_id) for e in events(session)]
    assert ("trip.started", "trip", trip["id"]) in seen
    assert ("defect.opened", "defect", defect["id"]) in seen
    assert ("vehicle.grounded", "vehicle", car.id) in seen
    assert ("trip.finished", "trip", trip["id"]) in seen
    assert ("defect.resolved", "defect", defect["id"]) in seen
    types = [t for t, _, _ in seen]
    assert types.index("trip.started") < types.index("defect.opened") < types.index("trip.finished")
    assert types.count("defect.opened") == 1 and types.count("trip.started") == 1

    (opened,) = events(session, type="defect.opened")
    assert opened.data == defect  # the resource as the API answered it
    (done,) = events(session, type="defect.resolved")
    assert done.data["status"] == "resolved" == resolved["status"]
    uids = [e.uid for e in events(session)]
    assert len(set(uids)) == len(uids) and all(u.startswith("msg_") for u in uids)


def test_a_fine_and_the_driver_named_on_it(client, session, make, manager):
    _user, driver = make.driver_login()
    car = make.vehicle()
    fine = client.post(
        "/api/v1/fines",
        json={
            "vehicle_id": car.id,
            "occurred_at": datetime(2026, 11, 3, 14, tzinfo=UTC).isoformat(),
            "amount": 195.23,
        },
        headers=auth(manager),
    ).json()
    assert fine["driver_id"] is None
    named = client.patch(
        f"/api/v1/fines/{fine['id']}", json={"driver_id": driver.id}, headers=auth(manager)
    )
    assert named.status_code == 200, named.text
    assert [e.type for e in events(session, entity="fine")] == ["fine.created", "fine.driver_named"]
    (event,) = events(session, type="fine.driver_named")
    assert event.data["driver_id"] == driver.id and event.data["amount"] == 195.23


def test_a_refused_write_and_a_rolled_back_one_leave_no_event(client, session, make, manager):
    car = make.vehicle()
    refused = client.post(
        "/api/v1/defects",
        json={"vehicle_id": car.id + 999, "description": "x"},
        headers=auth(manager),
    )
    assert refused.status_code in (404, 422)
    session.add(Defect(vehicle_id=car.id, description="rolled back", severity="critical"))
    session.flush()  # the recorder ran: its row is in this transaction only
    pending = session.scalars(select(Event.type)).all()
    assert pending == ["defect.opened"]
    session.rollback()
    assert events(session) == []


def test_a_change_that_makes_no_event_makes_none(client, session, make, manager):
    car = make.vehicle()
    client.patch(f"/api/v1/vehicles/{car.id}", json={"odometer_km": 10}, headers=auth(manager))
    assert events(session) == []
