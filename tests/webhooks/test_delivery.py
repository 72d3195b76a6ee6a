"""Deliveries to a real HTTP receiver that verifies every request with the standardwebhooks
library; time is moved by making the waiting deliveries due in the database."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sqlalchemy import text

from tests.conftest import auth
from tests.webhooks.conftest import (
    create_webhook,
    deliveries,
    dispatch,
    endpoint_row,
    make_due,
    open_defect,
    send,
)


def test_a_500_then_a_dropped_connection_then_success_is_one_event_in_three_attempts(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = [500, "drop", 200]
    defect = open_defect(client, make)
    assert dispatch() == 1

    assert send() == 1
    assert send() == 0  # not due yet: the next attempt is 5 s away
    (delivery,) = deliveries(engine)
    assert delivery["status"] == "failed"
    wait = delivery["next_attempt_at"] - datetime.fromisoformat(delivery["attempts"][0]["at"])
    assert timedelta(seconds=4) < wait <= timedelta(seconds=6)
    make_due(engine)
    assert send() == 1
    (delivery,) = deliveries(engine)
    assert delivery["status"] == "failed"
    wait = delivery["next_attempt_at"] - datetime.fromisoformat(delivery["attempts"][1]["at"])
    assert timedelta(minutes=4) < wait <= timedelta(minutes=6)  # the schedule's second step
    make_due(engine)
    assert send() == 1
    make_due(engine)
    assert send() == 0  # delivered: never again

    assert len(receiver.received) == 3
    assert all(r.verified for r in receiver.received)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1 and ids.pop().startswith("msg_")
    assert {r.body for r in receiver.received} == {receiver.received[0].body}
    sent = receiver.received[0]
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"].startswith("Frota-Webhooks")
    assert sent.json["type"] == "defect.opened"
    assert sent.json["data"] == defect
    assert sent.json["timestamp"].endswith("Z")

    r = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth(admin))
    assert r.status_code == 200, r.text
    (shown,) = r.json()["items"]
    assert shown["type"] == "defect.opened" and shown["status"] == "delivered"
    assert shown["next_attempt_at"] is None
    attempts = shown["attempts"]
    assert [a["status_code"] for a in attempts] == [500, None, 200]
    assert "500" in attempts[0]["error"]
    assert attempts[1]["error"] and attempts[2]["error"] is None
    assert all(a["duration_ms"] >= 0 and a["at"].endswith("Z") for a in attempts)


def test_a_410_disables_the_endpoint_and_kills_the_delivery(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = [410]
    open_defect(client, make)
    open_defect(client, make)
    dispatch()
    assert send(limit=1) == 1
    first, second = deliveries(engine)
    assert first["status"] == "dead" and first["next_attempt_at"] is None
    assert second["status"] == "pending"  # waits: not sent to a disabled endpoint
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth(admin)).json()
    assert shown["active"] is False and "410" in shown["disabled_reason"]
    assert send() == 0 and len(receiver.received) == 1
    # A new event is not queued for it either.
    open_defect(client, make)
    assert dispatch() == 0

    # Turned back on, the delivery that waited goes out.
    r = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}, headers=auth(admin))
    assert r.json()["active"] is True and r.json()["disabled_reason"] is None
    assert send() == 1 and len(receiver.received) == 2


def test_retry_after_in_seconds_and_as_a_date_is_honoured(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    later = format_datetime(datetime.now(UTC) + timedelta(hours=3), usegmt=True)
    receiver.script = [(503, {"Retry-After": "3600"}), (429, {"Retry-After": later})]
    open_defect(client, make)
    dispatch()
    send()
    (delivery,) = deliveries(engine)
    at = datetime.fromisoformat(delivery["attempts"][0]["at"])
    assert timedelta(minutes=59) < delivery["next_attempt_at"] - at <= timedelta(minutes=61)
    make_due(engine)
    send()
    (delivery,) = deliveries(engine)
    at = datetime.fromisoformat(delivery["attempts"][1]["at"])
    assert timedelta(hours=2, minutes=58) < delivery["next_attempt_at"] - at < timedelta(hours=3)


def test_a_redirect_is_not_followed(client, make, admin, engine, receiver, allow_private):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = [(307, {"Location": receiver.url + "/elsewhere"})]
    open_defect(client, make)
    dispatch()
    send()
    assert [r.path for r in receiver.received] == ["/hook"]
    (delivery,) = deliveries(engine)
    assert delivery["status"] == "failed"
    (attempt,) = delivery["attempts"]
    assert attempt["status_code"] == 307 and "not followed" in attempt["error"]


def test_a_receiver_that_never_answers_fails_the_attempt_after_the_timeout(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = ["hang"]
    open_defect(client, make)
    dispatch()
    started = datetime.now(UTC)
    assert send(timeout=1) == 1
    assert datetime.now(UTC) - started < timedelta(seconds=5)
    (delivery,) = deliveries(engine)
    (attempt,) = delivery["attempts"]
    assert delivery["status"] == "failed" and attempt["status_code"] is None
    assert "no answer within 1 s" in attempt["error"]
    assert 900 <= attempt["duration_ms"] < 5000


def test_an_address_refused_at_send_time_is_a_failed_attempt(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    open_defect(client, make)
    dispatch()
    import os

    from api.config import get_settings

    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "false"  # allow_private puts it back afterwards
    get_settings.cache_clear()
    assert send() == 1
    assert receiver.received == []
    (delivery,) = deliveries(engine)
    (attempt,) = delivery["attempts"]
    assert delivery["status"] == "failed" and "refused" in attempt["error"]
    assert "WEBHOOK_ALLOW_PRIVATE" in attempt["error"]
    assert endpoint_row(engine, hook["id"])["failing_since"] is not None


def test_the_schedule_ends_dead_and_five_days_of_failures_disable_the_endpoint(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.then = 500
    open_defect(client, make)
    dispatch()
    for _ in range(10):
        assert send() == 1
        make_due(engine)
    assert send() == 0
    (delivery,) = deliveries(engine)
    assert delivery["status"] == "dead" and len(delivery["attempts"]) == 10
    assert endpoint_row(engine, hook["id"])["active"] is True  # failing for minutes only

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute'")
        )
    open_defect(client, make)
    dispatch()
    assert send() == 1  # no SMTP configured: the e-mail is skipped, nothing else stops
    row = endpoint_row(engine, hook["id"])
    assert row["active"] is False and "5 days" in row["disabled_reason"]


def test_success_forgets_the_failures(client, make, admin, engine, receiver, allow_private):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = [500]
    open_defect(client, make)
    dispatch()
    send()
    assert endpoint_row(engine, hook["id"])["failing_since"] is not None
    make_due(engine)
    send()
    assert endpoint_row(engine, hook["id"])["failing_since"] is None


def test_an_event_handed_over_twice_makes_one_delivery_and_a_rolled_back_change_none(
    client, make, admin, engine, session, receiver, allow_private
):
    from sqlalchemy import select

    from api.events.models import Event
    from api.webhooks.service import enqueue

    create_webhook(client, admin, receiver.url, events=["defect.opened", "vehicle.grounded"])
    open_defect(client, make)
    events = list(session.scalars(select(Event)))
    session.rollback()
    assert enqueue(session, events) == 1
    assert enqueue(session, events) == 0  # a worker that died before marking them dispatched
    session.commit()
    assert len(deliveries(engine)) == 1

    # A change that rolls back after its flush (the event row written) leaves no event.
    from api.events import recorder
    from api.inspections.models import Defect

    recorder.install()
    car = make.vehicle()
    session.add(Defect(vehicle_id=car.id, description="Freio", severity="critical"))
    session.flush()
    assert session.scalar(select(Event).where(Event.dispatched_at.is_(None))) is not None
    session.rollback()
    assert dispatch() == 0
    assert len(deliveries(engine)) == 1
