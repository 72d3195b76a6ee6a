"""/health/detailed: what the operator sees, and when it says degraded or unhealthy."""

import asyncio
import logging
import os
import socket
import threading
import time

import pytest
from sqlalchemy import text

from api.config import Settings, get_settings
from api.health import service
from api.ratelimit import RateLimits
from tests.conftest import auth


@pytest.fixture
def folders(tmp_path, app):
    """Uploads and backups in a temporary folder, through the settings the routes see."""
    (tmp_path / "uploads").mkdir()
    (tmp_path / "backups").mkdir()
    settings = get_settings().model_copy(
        update={"upload_dir": tmp_path / "uploads", "backup_dir": tmp_path / "backups"}
    )
    app.dependency_overrides[get_settings] = lambda: settings
    yield tmp_path
    app.dependency_overrides.pop(get_settings, None)


def _backup(folder, name: str, hours_old: float):
    path = folder / "backups" / name
    path.write_bytes(b"\x1f\x8b")
    stamp = time.time() - hours_old * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_detailed_health_needs_an_admin(client, manager):
    assert client.get("/health/detailed").status_code == 401
    assert client.get("/health/detailed", headers=auth(manager)).status_code == 403


def test_detailed_health_reports_every_part(client, admin, folders):
    _backup(folders, "frota_backup_20260101_020000.sql.gz", hours_old=30)
    _backup(folders, "frota_backup_20260102_020000.sql.gz", hours_old=2)
    r = client.get("/health/detailed", headers=auth(admin))
    assert r.status_code == 200
    body = r.json()
    assert body["database"]["status"] == "ok"
    assert set(body["pool"]) >= {"size", "checked_in", "checked_out", "overflow", "usage_percent"}
    read_pool = body["read_pool"]
    assert read_pool["max_size"] == get_settings().db_read_pool_size
    assert 1 <= read_pool["size"] <= read_pool["max_size"] and read_pool["requests_waiting"] == 0
    assert body["redis"]["backend"] == "memory"
    assert body["disk"]["uploads"]["free_bytes"] > 0 and body["disk"]["backups"]["exists"]
    assert body["backup"]["name"] == "frota_backup_20260102_020000.sql.gz"
    assert 1.9 < body["backup"]["age_hours"] < 2.1
    assert "last_prune_run" in body
    assert body["worker_pid"] == os.getpid() and body["uptime_seconds"] >= 0
    assert body["version"] == get_settings().version
    assert body["status"] == "ok", body["problems"]


def test_a_backup_older_than_26_hours_is_degraded_not_503(client, admin, folders):
    _backup(folders, "frota_backup_20260101_020000.sql.gz", hours_old=27)
    r = client.get("/health/detailed", headers=auth(admin))
    assert r.status_code == 200
    assert r.json()["status"] == "degraded"
    assert any("backup" in p for p in r.json()["problems"])


def test_no_backup_at_all_is_degraded_in_production(client, admin, folders, app):
    settings = app.dependency_overrides[get_settings]().model_copy(
        update={"environment": "production"}
    )
    app.dependency_overrides[get_settings] = lambda: settings
    r = client.get("/health/detailed", headers=auth(admin))
    assert r.json()["status"] == "degraded"
    assert r.json()["backup"]["name"] is None
    assert any("no backup" in p for p in r.json()["problems"])


def test_no_backup_yet_is_only_a_note_outside_production(client, admin, folders):
    r = client.get("/health/detailed", headers=auth(admin))
    assert r.json()["status"] == "ok", r.json()["problems"]
    assert r.json()["backup"]["name"] is None
    assert any("no backup" in n for n in r.json()["notes"])


def test_the_last_prune_run_is_read_from_prune_runs(client, admin, folders, session):
    exists = session.execute(text("SELECT to_regclass('prune_runs')")).scalar()
    if exists is None:
        assert client.get("/health/detailed", headers=auth(admin)).json()["last_prune_run"] is None
        return
    # The probe reads through its own connection, so the row must be committed.
    from api.db import get_engine

    with get_engine().begin() as conn:
        before = conn.execute(text("SELECT max(finished_at) FROM prune_runs")).scalar()
    body = client.get("/health/detailed", headers=auth(admin)).json()
    assert body["last_prune_run"] == (before.isoformat() if before else None)


def test_redis_down_fails_open_and_shows_in_detailed_health(client, admin, app, folders, caplog):
    broken = RateLimits(
        get_settings().model_copy(
            update={"redis_url": "redis://127.0.0.1:1/0", "rate_limit": "1/minute"}
        )
    )
    original = app.state.rate_limits
    app.state.rate_limits = broken
    try:
        with caplog.at_level(logging.ERROR, logger="frota.ratelimit"):
            assert broken.hit(broken.default, "ip", "198.51.100.1") is None
            assert broken.hit(broken.default, "ip", "198.51.100.1") is None
        assert any("failed, serving without limits" in r.getMessage() for r in caplog.records)
        body = client.get("/health/detailed", headers=auth(admin)).json()
    finally:
        app.state.rate_limits = original
    assert body["redis"]["status"] == "down" and "last_error" in body["redis"]
    assert body["status"] == "degraded"
    assert any("Redis" in p for p in body["problems"])


@pytest.fixture
def blackhole_port():
    """A socket that accepts connections and never answers: a hung database."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_the_probe_gives_up_within_2_seconds_on_a_hung_database(blackhole_port, monkeypatch):
    settings = Settings(database_url=f"postgresql://frota@127.0.0.1:{blackhole_port}/frota")
    engine = service.make_probe_engine(settings)
    monkeypatch.setattr(service, "probe_engine", lambda: engine)
    monkeypatch.setattr(service, "_checked_at", 0.0)
    started = time.monotonic()
    assert asyncio.run(service.database_answers()) is False
    assert time.monotonic() - started < 2
    # Within the cache second the answer is reused, without a second probe.
    assert asyncio.run(service.database_answers()) is False
    service._probe_future.result(timeout=10)  # the abandoned probe ends on libpq's time-out
    engine.dispose()
    monkeypatch.setattr(service, "_checked_at", 0.0)


def test_a_licensing_state_without_this_years_table_is_named_with_the_year(
    client, admin, folders, app
):
    calendar = folders / "licensing.toml"
    calendar.write_text(
        '[ZZ.2020]\nsource = "old"\n' + "".join(f'"{d}" = "12"\n' for d in range(10))
    )
    settings = app.dependency_overrides[get_settings]().model_copy(
        update={"licensing_state": "ZZ", "licensing_calendar_file": calendar}
    )
    app.dependency_overrides[get_settings] = lambda: settings
    year = settings.licensing_today().year
    body = client.get("/health/detailed", headers=auth(admin)).json()
    assert body["licensing"] == {
        "state": "ZZ",
        "year": year,
        "calendar_year": 2020,
        "estimated_from": 2020,
        "estimated": True,
        "source": "old",
        "warning": body["licensing"]["warning"],
    }
    assert f"ZZ has no table for {year}" in body["licensing"]["warning"]
    assert body["licensing"]["warning"] in body["notes"]
    assert body["status"] == "ok", body["problems"]  # expected every January: a note only
    # A table for this year (another file: the calendars are read once per file): no note.
    current = folders / "licensing-current.toml"
    current.write_text(calendar.read_text().replace("ZZ.2020", f"ZZ.{year}"))
    settings = settings.model_copy(update={"licensing_calendar_file": current})
    app.dependency_overrides[get_settings] = lambda: settings
    body = client.get("/health/detailed", headers=auth(admin)).json()
    assert body["licensing"]["estimated_from"] is None and body["licensing"]["warning"] is None
    assert not any("licensing calendar" in note for note in body.get("notes", []))


def test_the_outbox_and_email_are_reported_and_a_stopped_worker_degrades(
    client, admin, folders, app, session
):
    from pydantic import SecretStr

    body = client.get("/health/detailed", headers=auth(admin)).json()
    assert body["outbox"] == {"pending": 0, "oldest_pending_seconds": 0.0}
    assert body["email"]["configured"] is False
    assert "SMTP_HOST is unset: no e-mail is sent" in body["notes"]
    session.execute(
        text(
            "INSERT INTO events (uid, type, data, occurred_at) "
            "VALUES ('msg_old', 'due.soon', '{}', now() - interval '10 minutes')"
        )
    )
    session.commit()
    body = client.get("/health/detailed", headers=auth(admin)).json()
    assert body["outbox"]["pending"] == 1 and body["outbox"]["oldest_pending_seconds"] > 590
    assert body["status"] == "degraded"
    assert any("frota worker" in p for p in body["problems"]), body["problems"]

    token = "m" * 32
    settings = app.dependency_overrides[get_settings]().model_copy(
        update={"metrics_token": SecretStr(token)}
    )
    app.dependency_overrides[get_settings] = lambda: settings
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    assert "frota_outbox_pending 1.0" in scraped
    assert "frota_outbox_oldest_pending_seconds 6" in scraped  # 600 s and a little more
