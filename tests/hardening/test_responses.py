"""Errors, security headers, CORS, request ids and logs, in process against the real database."""

import json
import logging
import re

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.config import Settings, get_settings
from api.logging_setup import JsonFormatter, redact
from api.middleware import RequestContextMiddleware
from tests.conftest import TEST_PASSWORD, auth


class JsonLines(logging.Handler):
    """What stdout would receive: every record formatted by the app's JSON formatter."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    def entries(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def json_logs():
    handler = JsonLines()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def app_with_test_routes(database_url):
    """A fresh app with a few routes that misbehave on purpose."""
    from api.main import create_app

    app = create_app()

    @app.get("/test/boom")
    def boom():
        raise RuntimeError("internal detail that must not leak")

    @app.get("/test/database-down")
    def database_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @app.get("/test/cleanup-hides-outage")
    def cleanup_hides_outage():
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        finally:
            raise RuntimeError("commit on a dead connection")  # noqa: B012

    @app.get("/test/chatty")
    def chatty():
        logging.getLogger("frota.test").info("working on it")
        return {"ok": True}

    return app


def test_an_unhandled_error_is_a_json_500_with_the_request_id(app_with_test_routes, json_logs):
    client = TestClient(app_with_test_routes, raise_server_exceptions=False)
    r = client.get("/test/boom", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500
    assert r.json() == {"detail": "Internal server error", "request_id": "boom-1"}
    assert "internal detail" not in r.text and "Traceback" not in r.text
    [error] = [e for e in json_logs.entries() if e["logger"] == "frota.errors"]
    assert error["request_id"] == "boom-1" and "RuntimeError" in error["exception"]


def test_a_database_outage_is_503_with_retry_after(app_with_test_routes):
    r = TestClient(app_with_test_routes).get("/test/database-down")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert "unavailable" in r.json()["detail"]


def test_an_outage_hidden_by_a_cleanup_error_is_still_503(app_with_test_routes):
    client = TestClient(app_with_test_routes, raise_server_exceptions=False)
    r = client.get("/test/cleanup-hides-outage")
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["request_id"] == r.headers["X-Request-ID"]


def test_every_log_line_of_a_request_carries_its_id(app_with_test_routes, json_logs):
    r = TestClient(app_with_test_routes).get("/test/chatty")
    request_id = r.headers["X-Request-ID"]
    mine = [e for e in json_logs.entries() if e.get("request_id") == request_id]
    assert {e["logger"] for e in mine} == {"frota.test", "frota.access"}
    assert [e["route"] for e in mine if e["logger"] == "frota.access"] == ["/test/chatty"]


def test_validation_errors_stay_422_readable_and_never_echo_the_input(client, admin):
    secret = "short"  # too short a password: it must not come back in the error
    r = client.post(
        "/api/v1/users",
        headers=auth(admin),
        json={"email": "x@example.com", "name": "X", "role": "driver", "password": secret},
    )
    assert r.status_code == 422
    [problem] = r.json()["detail"]
    assert problem["field"] == "password" and problem["loc"] == ["body", "password"]
    assert "password:" in r.json()["message"]
    assert "input" not in problem and f'"{secret}"' not in r.text


def test_json_responses_carry_security_headers_and_a_strict_csp(client):
    r = client.get("/health")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Strict-Transport-Security" not in r.headers  # only in production


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_load_only_frotas_own_assets(client, path):
    r = client.get(path)
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "http" not in csp  # no outside host may be named
    assert "script-src 'self' 'unsafe-inline'" in csp
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_hsts_is_sent_in_production():
    settings = Settings(environment="production", secret_key="x" * 40)
    inner = Starlette(routes=[Route("/", lambda request: JSONResponse({}))])
    r = TestClient(RequestContextMiddleware(inner, settings=settings)).get("/")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.fixture
def cors_app(database_url, monkeypatch):
    from api.main import create_app

    monkeypatch.setenv("CORS_ORIGINS", "https://panel.example.com")
    get_settings.cache_clear()
    try:
        yield create_app()
    finally:
        monkeypatch.delenv("CORS_ORIGINS")
        get_settings.cache_clear()


def test_cors_answers_only_the_configured_origin(cors_app):
    client = TestClient(cors_app)
    preflight = {"Access-Control-Request-Method": "GET"}
    ok = client.options(
        "/api/v1/vehicles", headers={"Origin": "https://panel.example.com", **preflight}
    )
    assert ok.headers["Access-Control-Allow-Origin"] == "https://panel.example.com"
    other = client.options(
        "/api/v1/vehicles", headers={"Origin": "https://evil.example.com", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_no_cors_headers_without_configured_origins(client):
    r = client.get("/health", headers={"Origin": "https://panel.example.com"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_metrics_are_404_when_no_token_is_configured(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_metrics_are_served_with_the_configured_token(client, app):
    token = "m" * 32
    app.dependency_overrides[get_settings] = lambda: get_settings().model_copy(
        update={"metrics_token": SecretStr(token)}
    )
    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert "frota_http_requests_total" in r.text
    assert client.get("/metrics").status_code == 401


@pytest.mark.parametrize(
    "line",
    [
        "GET /api/v1/photos/3/file?expires=99&sig=abcdef123 200",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "login with password=hunter2hunter2&username=a",
        "postgresql://frota:s3cretpw@db:5432/frota",
    ],
)
def test_secrets_are_masked_in_log_messages(line):
    masked = redact(line)
    for secret in ("abcdef123", "eyJzdWIiOiIxIn0", "hunter2hunter2", "s3cretpw"):
        assert secret not in masked


def test_no_secret_reaches_the_logs_of_a_login_session(client, manager, json_logs):
    r = client.post(
        "/api/v1/auth/login", data={"username": manager.email, "password": TEST_PASSWORD}
    )
    token = r.json()["access_token"]
    client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    client.post("/api/v1/auth/login", data={"username": manager.email, "password": "wrong " * 3})
    text = "\n".join(json_logs.lines)
    assert "frota.access" in text
    for secret in (
        TEST_PASSWORD,
        token,
        "wrong wrong",
        get_settings().secret_key.get_secret_value(),
    ):
        assert secret not in text
