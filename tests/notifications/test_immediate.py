"""The immediate messages of the outbox's events (`on_events`, as `frota worker` calls it on the
recorded events): a critical defect to managers and admins at once, a fine named to its
driver, a defect resolved to who reported it; push to a real HTTP receiver through Apprise;
SMTP down never raises and is recorded; and the test message of `/users/me/notifications`."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from api.config import get_settings
from api.events.models import Event
from api.notifications.models import NotificationPreferences, SentNotification
from api.notifications.service import on_events
from tests.conftest import auth
from tests.notifications.conftest import closed_port, mail_settings, text_of, to_of

TEST = "/api/v1/users/me/notifications/test"


def recorded_events(session) -> list[Event]:
    session.rollback()  # what the API committed
    return list(session.scalars(select(Event).order_by(Event.id)))


def report_critical_defect(client, make, plate="CRI1T23"):
    user, _driver = make.driver_login()
    car = make.vehicle(plate=plate)
    r = client.post(
        "/api/v1/defects",
        json={"vehicle_id": car.id, "description": "Freio falhando", "severity": "critical"},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    return user, car, r.json()


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 that keeps each request's path and JSON body;
    `fail = True` makes it answer 500."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server.received.append((self.path, json.loads(body)))
            self.send_response(500 if server.fail else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received, server.fail = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_critical_defect_tells_managers_and_admins_at_once(
    client, session, make, manager, admin, smtp_server, settings
):
    make._save(NotificationPreferences(user_id=admin.id, language="en"))
    quiet = make.user("manager")
    make._save(NotificationPreferences(user_id=quiet.id, immediate=False))
    reporter, car, defect = report_critical_defect(client, make)
    on_events(session, settings, recorded_events(session))
    session.commit()
    mails = smtp_server.wait_for(2)
    by_to = {to_of(m): m for m in mails}
    assert set(by_to) == {manager.email, admin.email}  # not the reporter, not `quiet`
    pt, en = by_to[manager.email], by_to[admin.email]
    assert str(pt.message["Subject"] if hasattr(pt, "message") else pt["Subject"]) == (
        "Frota: defeito crítico, CRI1T23 fora de circulação"
    )
    assert "CRI1T23: Freio falhando" in text_of(pt)
    assert f"https://frota.example.com/panel/#/vehicles/{car.id}" in text_of(pt)
    assert "may not leave" in text_of(en)
    # Dispatched again (a worker that died before its commit): nobody is told twice.
    smtp_server.clear()
    on_events(session, settings, recorded_events(session))
    session.commit()
    assert smtp_server.messages == []


def test_the_digest_does_not_repeat_a_critical_defect_told_at_once(
    client, session, make, manager, smtp_server, settings
):
    from datetime import UTC, datetime

    from api.notifications.service import run_scheduled

    report_critical_defect(client, make)
    on_events(session, settings, recorded_events(session))
    session.commit()
    smtp_server.wait_for(1)
    smtp_server.clear()
    run_scheduled(settings, datetime.now(UTC), force=True)
    for mail in smtp_server.messages:
        assert "Freio falhando" not in text_of(mail)


def test_smtp_down_never_raises_and_the_failure_is_recorded(
    client, session, make, manager, smtp_server
):
    report_critical_defect(client, make)
    down = mail_settings(smtp_server, smtp_port=closed_port())
    on_events(session, down, recorded_events(session))  # must not raise
    session.commit()
    failed = list(session.scalars(select(SentNotification)))
    assert {(f.user_id, f.channel, f.period == "") for f in failed} == {
        (manager.id, "email", True),  # the item, told (and failed) once
        (manager.id, "email", False),  # its weekly repeat: from next week
    }
    assert all("127.0.0.1" in f.error and f.ref.startswith("defect:") for f in failed)


def test_a_fine_named_to_a_driver_tells_that_driver(
    client, session, make, manager, settings, smtp_server
):
    from datetime import UTC, datetime

    user, driver = make.driver_login()
    _other_user, _other = make.driver_login()
    car = make.vehicle(plate="MUL1T23")
    fine = client.post(
        "/api/v1/fines",
        json={
            "vehicle_id": car.id,
            "occurred_at": datetime(2026, 11, 3, 14, tzinfo=UTC).isoformat(),
            "amount": 195.23,
            "infraction_code": "745-50",
        },
        headers=auth(manager),
    ).json()
    client.patch(
        f"/api/v1/fines/{fine['id']}", json={"driver_id": driver.id}, headers=auth(manager)
    )
    on_events(session, settings, recorded_events(session))
    session.commit()
    (mail,) = smtp_server.wait_for(1)
    assert to_of(mail) == user.email
    assert "MUL1T23 · 745-50 · 195,23" in text_of(mail)


def test_a_resolved_defect_tells_who_reported_it(
    client, session, make, manager, smtp_server, settings
):
    reporter, _car, defect = report_critical_defect(client, make)
    on_events(session, settings, recorded_events(session))
    session.commit()
    smtp_server.wait_for(1)
    smtp_server.clear()
    client.patch(
        f"/api/v1/defects/{defect['id']}", json={"status": "resolved"}, headers=auth(manager)
    )
    events = [e for e in recorded_events(session) if e.type == "defect.resolved"]
    on_events(session, settings, events)
    session.commit()
    (mail,) = smtp_server.wait_for(1)
    assert to_of(mail) == reporter.email
    assert "foi resolvido" in text_of(mail)


def test_push_reaches_a_real_receiver_through_apprise(
    client, session, make, manager, smtp_server, receiver
):
    settings = mail_settings(smtp_server, webhook_allow_private=True)
    url = f"json://127.0.0.1:{receiver.server_port}/frota-push"
    make._save(NotificationPreferences(user_id=manager.id, push_urls=[url]))
    report_critical_defect(client, make)
    on_events(session, settings, recorded_events(session))
    session.commit()
    smtp_server.wait_for(1)
    ((path, body),) = receiver.received
    assert path == "/frota-push"
    assert body["title"] == "Frota: defeito crítico, CRI1T23 fora de circulação"
    assert "Freio falhando" in body["message"]
    told = session.scalars(select(SentNotification).where(SentNotification.period == ""))
    assert sorted((s.channel, s.error) for s in told) == [("email", None), ("push", None)]


def test_a_failing_push_receiver_is_recorded_and_email_still_goes(
    client, session, make, manager, smtp_server, receiver
):
    settings = mail_settings(smtp_server, webhook_allow_private=True)
    receiver.fail = True
    url = f"json://127.0.0.1:{receiver.server_port}/down"
    make._save(NotificationPreferences(user_id=manager.id, push_urls=[url]))
    report_critical_defect(client, make)
    on_events(session, settings, recorded_events(session))
    session.commit()
    smtp_server.wait_for(1)
    assert len(receiver.received) == 1
    push = session.scalar(
        select(SentNotification).where(
            SentNotification.channel == "push", SentNotification.period == ""
        )
    )
    assert push.error and "json://…/…" in push.error and "/down" not in push.error


def test_send_me_a_test_by_email_and_push(app, client, manager, make, smtp_server, receiver):
    settings = mail_settings(smtp_server, webhook_allow_private=True)
    url = f"json://127.0.0.1:{receiver.server_port}/test"
    make._save(NotificationPreferences(user_id=manager.id, push_urls=[url]))
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        r = client.post(TEST, headers=auth(manager))
    finally:
        app.dependency_overrides.pop(get_settings)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "sent": [
            {"channel": "email", "to": manager.email},
            {"channel": "push", "to": "json://…/…"},
        ],
        "failed": [],
    }
    (mail,) = smtp_server.wait_for(1)
    assert to_of(mail) == manager.email and "mensagem de teste" in text_of(mail)
    assert receiver.received[0][0] == "/test"


def test_a_test_with_no_smtp_is_503_and_with_smtp_down_502(app, client, manager, smtp_server):
    for update, status, detail in (
        ({"smtp_host": None}, 503, "SMTP_HOST is unset"),
        ({"smtp_port": closed_port()}, 502, "Nothing was sent"),
    ):
        settings = mail_settings(smtp_server, **update)
        app.dependency_overrides[get_settings] = lambda settings=settings: settings
        try:
            r = client.post(TEST, headers=auth(manager))
        finally:
            app.dependency_overrides.pop(get_settings)
        assert r.status_code == status, r.text
        assert detail in r.json()["detail"]
