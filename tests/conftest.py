"""Test harness: a real PostgreSQL (embedded unless TEST_DATABASE_URL), migrated once per run;
each test inside a transaction that is rolled back."""

import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

# Settings are read from the environment: fix it before anything imports the app.
os.environ.update(
    ENVIRONMENT="test",
    SECRET_KEY="test-secret-" + secrets.token_hex(24),
    LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    WEB_CONCURRENCY="1",
    # The suite's one client would exhaust the real budgets; tests/hardening proves them.
    RATE_LIMIT="100000/minute",
    LOGIN_RATE_LIMIT="100000/minute",
    FILE_RATE_LIMIT="100000/minute",
)
for name in ("ADMIN_EMAIL", "ADMIN_PASSWORD", "REDIS_URL", "METRICS_TOKEN", "DATABASE_URL"):
    os.environ.pop(name, None)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _admin_url() -> tuple[str, object]:
    """A server to create the test database on: TEST_DATABASE_URL, or an embedded one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url, None
    import pgserver

    server = pgserver.get_server(
        Path(tempfile.mkdtemp(prefix="frota-test-pg-")), cleanup_mode="delete"
    )
    return server.get_uri("postgres"), server


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    from api.db import sqlalchemy_url

    admin_url, server = _admin_url()
    name = f"frota_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = (
        make_url(sqlalchemy_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )
    os.environ["DATABASE_URL"] = url
    from api.cli import migrate
    from api.config import get_settings
    from api.db import get_engine, get_sessionmaker

    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    migrate(url)
    yield url
    get_engine().dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    if server is not None:
        server.cleanup()


@pytest.fixture(scope="session")
def engine(database_url):
    from api.db import get_engine

    return get_engine()


@pytest.fixture(scope="session")
def app(database_url):
    from api.main import create_app

    return create_app()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """The test's own session: what the factories make is committed (the API reads through its
    own connections, the lists through psycopg's asyncio pool), and every table is emptied after
    the test."""
    session = Session(bind=engine, expire_on_commit=False)
    yield session
    session.close()
    truncate_all(engine)


@pytest.fixture
def client(app, session):
    """The API in-process. Before each request the test's session commits what it made; after
    each response it forgets what it loaded, so that a test reads what the API wrote."""
    from fastapi.testclient import TestClient

    def commit(_request) -> None:
        session.commit()

    def forget(_response) -> None:
        # Objects the test holds keep their values (detached); the next query reads afresh.
        session.expunge_all()
        session.rollback()

    with TestClient(app) as test_client:
        test_client.event_hooks["request"].append(commit)
        test_client.event_hooks["response"].append(forget)
        yield test_client


@pytest.fixture
def committed_client(client):
    """The same client: every request commits for real (races, scripts)."""
    return client


APPEND_ONLY_TABLES = ("audit_log", "inspections")


def truncate_all(engine) -> None:
    from api.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # The audit log and inspections refuse TRUNCATE (a trigger); the test database's owner
        # sets the triggers aside for the clean-up, in the same transaction.
        for table in APPEND_ONLY_TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in APPEND_ONLY_TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


# ---- factories -------------------------------------------------------------------------------

TEST_PASSWORD = "correct horse battery"


class Factory:
    """Small builders for test data, committed by the test's session."""

    def __init__(self, session: Session):
        self.session = session
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def user(self, role: str = "manager", **fields):
        from api.users.models import User

        n = self._next()
        fields.setdefault("email", f"{role}{n}-{uuid.uuid4().hex[:6]}@example.com")
        fields.setdefault("name", f"{role.title()} {n}")
        fields.setdefault("password_hash", _hash(TEST_PASSWORD))
        user = User(role=role, **fields)
        return self._save(user)

    def _save(self, row):
        self.session.add(row)
        self.session.commit()
        return row

    def vehicle(self, **fields):
        from api.vehicles.models import Vehicle

        n = self._next()
        fields.setdefault("plate", f"TST{n % 10}{'ABCDEFGHIJ'[n // 10 % 10]}{n % 100:02d}")
        fields.setdefault("make", "Fiat")
        fields.setdefault("model", "Strada")
        fields.setdefault("year", 2022)
        return self._save(Vehicle(**fields))

    def driver(self, user=None, **fields):
        from api.drivers.models import Driver

        n = self._next()
        fields.setdefault("name", f"Driver {n}")
        fields.setdefault("license_number", f"{secrets.randbelow(10**11):011d}")
        fields.setdefault("license_category", "B")
        fields.setdefault("license_expiry", date.today() + timedelta(days=365))
        return self._save(Driver(user_id=user.id if user else None, **fields))

    def driver_login(self, **fields):
        """A `driver` user with a linked driver record."""
        user = self.user("driver")
        return user, self.driver(user=user, **fields)


_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    from api.security import hash_password

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def make(session) -> Factory:
    return Factory(session)


def auth(user) -> dict[str, str]:
    from api.config import get_settings
    from api.security import create_access_token

    return {
        "Authorization": f"Bearer {create_access_token(user_id=user.id, settings=get_settings())}"
    }


@pytest.fixture
def admin(make):
    return make.user("admin")


@pytest.fixture
def manager(make):
    return make.user("manager")


@pytest.fixture
def headers_as(make):
    """Bearer headers for a role (`anonymous`: none); a driver login gets its driver record."""

    def build(role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "driver":
            return auth(make.driver_login()[0])
        return auth(make.user(role))

    return build


# Values that no field should turn into a 500: wrong types, out-of-range numbers, odd text.
BAD_VALUES = [
    None,
    -1,
    0,
    2**31,
    2**63,
    10**30,
    1.5,
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "💥",
    "'; DROP TABLE vehicles; --",
    [],
    {},
    True,
]


def assert_never_500(client, method: str, url: str, body: dict, field: str, headers) -> None:
    """Send `body` with `field` set to every BAD_VALUE: a 2xx or a 4xx with a detail, never 5xx."""
    for value in BAD_VALUES:
        r = client.request(method, url, json={**body, field: value}, headers=headers)
        assert r.status_code < 500, (field, value, r.text)
        if r.status_code >= 400:
            assert r.json().get("detail"), (field, value, r.text)


@pytest.fixture
def smtp_server():
    """Placeholder (dropped at merge): a real aiosmtpd server on a free port of 127.0.0.1."""
    import email
    import email.policy
    import socket
    import threading
    import time

    from aiosmtpd.controller import Controller

    class Server:
        def __init__(self, port):
            self.port, self.messages, self._cond = port, [], threading.Condition()

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            with self._cond:
                self.messages.append(msg)
                self._cond.notify_all()
            return "250 OK"

        def clear(self):
            with self._cond:
                self.messages.clear()

        def wait_for(self, n, timeout=5):
            deadline = time.monotonic() + timeout
            with self._cond:
                while len(self.messages) < n:
                    left = deadline - time.monotonic()
                    assert left > 0, f"{len(self.messages)} of {n} messages in {timeout} s"
                    self._cond.wait(left)
                return list(self.messages[:n])

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server(port)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    yield server
    controller.stop()
