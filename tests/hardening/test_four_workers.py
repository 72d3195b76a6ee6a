"""Four real uvicorn workers (`frota serve`) sharing rate limits in the real Redis."""

import json
import re
import secrets
import uuid
from pathlib import Path

import pytest
import redis

from tests.hardening.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Server,
    base_env,
    fresh_request,
    login,
)

RATE = 20
LOGIN_RATE = 5
FILE_RATE = 30
TRUSTED_PROXY = "127.0.0.2"
METRICS_TOKEN = "metrics-" + secrets.token_urlsafe(24)
VICTIM_EMAIL = "victim@example.com"
VICTIM_PASSWORD = "victim password " + secrets.token_hex(4)
WRONG_PASSWORDS = [f"wrong guess {secrets.token_hex(6)}" for _ in range(LOGIN_RATE)]
SIGNATURE = "SIG" + secrets.token_hex(16)


@pytest.fixture(scope="module")
def server(server_database, workdir, redis_url, redis_prefix):
    env = base_env(
        server_database,
        workdir,
        WEB_CONCURRENCY="4",
        REDIS_URL=redis_url,
        RATE_LIMIT_PREFIX=redis_prefix,
        RATE_LIMIT=f"{RATE}/minute",
        LOGIN_RATE_LIMIT=f"{LOGIN_RATE}/minute",
        FILE_RATE_LIMIT=f"{FILE_RATE}/minute",
        FORWARDED_ALLOW_IPS=TRUSTED_PROXY,
        METRICS_TOKEN=METRICS_TOKEN,
    )
    # A stale samples file from an earlier run: `frota serve` must empty the folder first
    # (the collector cannot read this one, so every scrape below would fail otherwise).
    stale = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    stale.mkdir(parents=True)
    (stale / "counter_999999.db").write_bytes(b"not a samples file")
    server = Server(env, workdir).start()
    server.wait_for_workers(4)
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def admin_token(server) -> str:
    r = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD, "127.0.0.9")
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    created = fresh_request(
        "POST",
        server.url + "/api/v1/users",
        "127.0.0.9",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "email": VICTIM_EMAIL,
            "name": "Victim",
            "role": "driver",
            "password": VICTIM_PASSWORD,
        },
    )
    assert created.status_code == 201, created.text
    return token


def _vehicles(server, source_ip="127.0.0.1", **kwargs):
    return fresh_request("GET", server.url + "/api/v1/vehicles", source_ip, **kwargs)


def test_the_budget_holds_across_four_workers(server, admin_token):
    bearer = {"Authorization": f"Bearer {admin_token}"}
    statuses = [_vehicles(server, "127.0.0.10", headers=bearer).status_code for _ in range(30)]
    # One request was spent creating the victim user with this token.
    assert statuses.count(200) == RATE - 1
    assert statuses.count(429) == 30 - (RATE - 1)
    answered_by = {e["pid"] for e in server.access(route="/api/v1/vehicles", status=200)}
    assert len(answered_by) >= 2, "all requests reached one worker; the test proves nothing"


def test_the_user_budget_follows_the_user_to_another_ip(server, admin_token):
    r = _vehicles(server, "127.0.0.11", headers={"Authorization": f"Bearer {admin_token}"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["detail"].startswith("Too many requests")


def test_the_counters_live_in_redis(server, redis_url, redis_prefix):
    keys = list(redis.Redis.from_url(redis_url).scan_iter(match=f"{redis_prefix}*"))
    assert keys


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(server):
    statuses = [
        _vehicles(server, "127.0.0.20", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(RATE + 5)
    ]
    assert statuses.count(429) == 5
    logged = {
        e["client_ip"]
        for e in server.access(route="/api/v1/vehicles", status=401)
        if e["client_ip"].startswith(("127.0.0.20", "198.51.100."))
    }
    assert logged == {"127.0.0.20"}


def test_forwarded_for_through_the_trusted_proxy_is_honoured(server):
    first = [
        _vehicles(server, TRUSTED_PROXY, headers={"X-Forwarded-For": "203.0.113.7"}).status_code
        for _ in range(RATE + 1)
    ]
    assert first.count(401) == RATE and first[-1] == 429
    other = _vehicles(server, TRUSTED_PROXY, headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 401, "another client behind the proxy has its own budget"
    assert server.access(client_ip="203.0.113.7", status=429)


def test_failed_logins_lock_the_account_whatever_the_ip(server, admin_token):
    for i, wrong in enumerate(WRONG_PASSWORDS):
        r = login(
            server.url,
            VICTIM_EMAIL,
            wrong,
            TRUSTED_PROXY,
            headers={"X-Forwarded-For": f"192.0.2.{i + 1}"},
        )
        assert r.status_code == 401
    r = login(
        server.url,
        VICTIM_EMAIL,
        VICTIM_PASSWORD,
        TRUSTED_PROXY,
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1


def test_login_attempts_are_limited_per_ip(server):
    statuses = [
        login(server.url, f"nobody{i}@example.com", "not the password", "127.0.0.30").status_code
        for i in range(LOGIN_RATE + 1)
    ]
    assert statuses == [401] * LOGIN_RATE + [429]


def test_photo_files_have_their_own_larger_budget(server):
    url = f"/api/v1/photos/1/file?expires=1&sig={SIGNATURE}"
    statuses = [
        fresh_request("GET", server.url + url, "127.0.0.50").status_code
        for _ in range(FILE_RATE + 5)
    ]
    assert 429 not in statuses[:FILE_RATE]
    assert statuses[FILE_RATE:] == [429] * 5


def test_health_is_never_limited(server):
    statuses = {
        fresh_request("GET", server.url + "/health", "127.0.0.60").status_code
        for _ in range(RATE * 2)
    }
    assert statuses == {200}


def _scrape(server, token=METRICS_TOKEN):
    return fresh_request(
        "GET", server.url + "/metrics", headers={"Authorization": f"Bearer {token}"}
    )


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + " ") and not labels:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_show_the_same_counts_whichever_worker_answers(server, admin_token):
    vehicles_200 = len(server.access(route="/api/v1/vehicles", status=200))
    refused = len(server.access(status=429))
    # On an idle host one worker may win every accept(): scrape until two workers have answered.
    scrapes = []
    for _ in range(10):
        scrapes += [_scrape(server) for _ in range(12)]
        if len({e["pid"] for e in server.access(route="/metrics", status=200)}) >= 2:
            break
    assert all(s.status_code == 200 for s in scrapes)
    seen = {
        (
            _sample(s.text, "frota_http_requests_total", route="/api/v1/vehicles", status="200"),
            _sample(s.text, "frota_http_requests_total", status="429"),
            _sample(
                s.text,
                "frota_http_request_duration_seconds_count",
                route="/api/v1/vehicles",
                method="GET",
            ),
        )
        for s in scrapes
    }
    assert len(seen) == 1
    count_200, count_429, duration_count = seen.pop()
    assert count_200 == vehicles_200 == RATE - 1
    assert duration_count >= vehicles_200
    # Refused before routing, 429s are counted under route="<rate-limited>".
    assert count_429 == refused > 0
    # Every worker's pool is in the sum: 4 workers x DB_POOL_SIZE=2.
    assert _sample(scrapes[-1].text, "frota_db_pool_size") == 8
    answered_by = {e["pid"] for e in server.access(route="/metrics", status=200)}
    assert len(answered_by) >= 2


def test_metrics_need_the_token(server):
    assert _scrape(server, token="wrong-" + METRICS_TOKEN).status_code == 401
    assert fresh_request("GET", server.url + "/metrics").status_code == 401


def test_the_request_id_is_in_the_log_line_as_json(server):
    request_id = f"req-{uuid.uuid4().hex}"
    r = _vehicles(server, "127.0.0.40", headers={"X-Request-ID": request_id})
    assert r.headers["X-Request-ID"] == request_id
    [line] = [e for e in server.logs() if e.get("request_id") == request_id]
    assert line["logger"] == "frota.access"
    assert line["method"] == "GET" and line["route"] == "/api/v1/vehicles"
    assert line["status"] == 401 and line["client_ip"] == "127.0.0.40"
    assert isinstance(line["duration_ms"], float)


def test_an_insane_request_id_is_replaced(server):
    r = _vehicles(server, "127.0.0.41", headers={"X-Request-ID": "bad id; drop table"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])


def test_every_server_line_is_json(server):
    lines = [line for line in server.lines() if line.strip()]  # read once: the server goes on
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)


def test_no_secret_in_any_log_line(server, admin_token):
    secrets_used = [
        server.env["SECRET_KEY"],
        ADMIN_PASSWORD,
        VICTIM_PASSWORD,
        METRICS_TOKEN,
        SIGNATURE,
        admin_token,
        *WRONG_PASSWORDS,
    ]
    text = "\n".join(server.lines())
    assert "/api/v1/photos/1/file" in text  # the signed URL was logged, without its query
    for secret in secrets_used:
        assert secret not in text
