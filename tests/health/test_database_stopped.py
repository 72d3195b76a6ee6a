"""/health against a real PostgreSQL that the test stops and starts again."""

import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.hardening.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Server,
    base_env,
    fresh_request,
    login,
)

pgserver = pytest.importorskip("pgserver")


@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL of our own (the suite's must not be stopped); deleted afterwards."""
    data = Path(tempfile.mkdtemp(prefix="frota-health-pg-")) / "pg"
    server = pgserver.get_server(data, cleanup_mode="stop")
    server.psql("CREATE DATABASE frota")
    yield data, server.get_uri("frota")
    if data in pgserver.PostgresServer._instances:
        pgserver.PostgresServer._instances[data].cleanup()
    import shutil

    shutil.rmtree(data.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def server(own_postgres, workdir):
    _, url = own_postgres
    server = Server(base_env(url, workdir, WEB_CONCURRENCY="2"), workdir).start()
    server.wait_for_workers(2)
    yield server
    server.stop()


def _timed(method: str, url: str) -> tuple[int, float]:
    started = time.monotonic()
    r = httpx.request(method, url, timeout=10)
    return r.status_code, time.monotonic() - started


def _wait_for(status: int, url: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if httpx.get(url, timeout=5).status_code == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"/health did not answer {status} within {within}s")


def test_health_answers_200_to_get_and_head_while_the_database_is_up(server):
    r = httpx.get(server.url + "/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    head = httpx.head(server.url + "/health")
    assert head.status_code == 200 and head.content == b""


def test_health_answers_503_within_2_seconds_once_the_database_stops(own_postgres, server):
    data, url = own_postgres
    token = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD).json()["access_token"]
    pgserver.PostgresServer._instances[data].cleanup()  # pg_ctl stop
    time.sleep(1.1)  # let the cached answer expire
    for method in ("GET", "HEAD", "GET"):
        status, seconds = _timed(method, server.url + "/health")
        assert status == 503, method
        assert seconds < 2, f"{method} /health took {seconds:.2f}s"
    body = httpx.get(server.url + "/health").json()
    assert body["status"] == "unavailable"
    # The API itself answers 503 with Retry-After, not a 500 with a traceback.
    # Bounded by the pool's time-out (DB_POOL_TIMEOUT, 5 s): never a hang.
    r = httpx.get(
        server.url + "/api/v1/vehicles", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert r.elapsed.total_seconds() < 5 + 2
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["request_id"] == r.headers["X-Request-ID"]

    restarted = pgserver.get_server(data, cleanup_mode="stop")
    assert restarted.get_uri("frota") == url
    _wait_for(200, server.url + "/health", within=10)


def test_api_requests_right_after_a_database_restart_succeed(own_postgres, server):
    """Pooled connections that served requests moments before a restart are dead too: the
    sessions' are pinged at checkout, the read pool's replaced when a read finds them dead, so
    the first API requests after the restart do not fail (lists, caller checks and ORM reads,
    on both workers)."""
    data, _ = own_postgres
    token = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    urls = [server.url + path for path in ("/api/v1/vehicles", "/api/v1/auth/me")]

    def statuses(count: int) -> list[int]:
        return [
            fresh_request("GET", url, headers=headers).status_code
            for _ in range(count)
            for url in urls
        ]

    assert statuses(4) == [200] * 8

    pgserver.PostgresServer._instances[data].cleanup()  # pg_ctl stop
    pgserver.get_server(data, cleanup_mode="stop")
    _wait_for(200, server.url + "/health", within=10)
    assert statuses(6) == [200] * 12
