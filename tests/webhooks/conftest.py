"""A real HTTP receiver in the test process, the worker's dispatch step, and the settings that
let Frota call 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE)."""

import json
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import auth


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next of `script` (then `then`): an HTTP status, `drop`
    (the connection closed without an answer), `hang` (no answer until the test ends), or a
    tuple (status, headers). Every request is verified with the secret it is given."""

    url: str = ""
    secret: str | None = None
    script: list = field(default_factory=list)
    then: object = 200
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def next_answer(self):
        return self.script.pop(0) if self.script else self.then


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                Webhook(receiver.secret).verify(body, headers)
                verified = True
            except (WebhookVerificationError, Exception):
                verified = False
            receiver.received.append(Received(self.path, headers, body, verified))
            answer = receiver.next_answer()
            if answer == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if answer == "hang":
                receiver.release.wait(30)
                self.close_connection = True
                return
            status, extra = answer if isinstance(answer, tuple) else (answer, {})
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    hook = Receiver()
    server.RequestHandlerClass = _handler(hook)
    server.daemon_threads = True
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    hook.release.set()
    server.shutdown()
    server.server_close()


def _set_env(name: str, value: str | None) -> None:
    from api.config import get_settings

    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture
def allow_private():
    """WEBHOOK_ALLOW_PRIVATE=true for this test (the receiver listens on 127.0.0.1)."""
    previous = os.environ.get("WEBHOOK_ALLOW_PRIVATE")
    _set_env("WEBHOOK_ALLOW_PRIVATE", "true")
    yield
    _set_env("WEBHOOK_ALLOW_PRIVATE", previous)


def settings():
    from api.config import get_settings

    return get_settings()


def dispatch() -> int:
    """The worker's dispatch (api/jobs.py) until the outbox is empty: the deliveries it made."""
    from api.db import get_engine, get_sessionmaker
    from api.jobs import dispatch as dispatch_outbox

    before = len(deliveries(get_engine()))
    with get_sessionmaker()() as session:
        while dispatch_outbox(session, settings()):
            pass
    return len(deliveries(get_engine())) - before


def send(**options) -> int:
    from api.webhooks.service import send_due

    return send_due(settings(), **options)


def make_due(engine) -> None:
    """Time passes: every waiting delivery is due now (instead of sleeping minutes)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 second' "
                "WHERE status IN ('pending', 'failed')"
            )
        )


def deliveries(engine) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM webhook_deliveries ORDER BY id"))
        return [dict(row._mapping) for row in rows]


def endpoint_row(engine, webhook_id: int) -> dict:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM webhook_endpoints WHERE id = :id"), {"id": webhook_id}
        ).one()
        return dict(row._mapping)


def create_webhook(client, admin, url: str, events=("defect.opened",), **fields) -> dict:
    r = client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": list(events), **fields},
        headers=auth(admin),
    )
    assert r.status_code == 201, r.text
    return r.json()


def open_defect(client, make, user=None) -> dict:
    """A real change that makes an event (`defect.opened`) through the API."""
    car = make.vehicle()
    user = user or make.user("manager")
    r = client.post(
        "/api/v1/defects",
        json={"vehicle_id": car.id, "description": "Farol queimado", "severity": "minor"},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    return r.json()
