"""Health probes: cheap, bounded in time, and cached for a moment against floods."""

import asyncio
import os
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from api.config import Settings, get_settings
from api.db import get_engine, make_engine
from api.db_monitor import POOL_ALERT_RATIO, pool_status
from api.events.service import outbox_problem, outbox_status
from api.mail import mail_configured

CACHE_SECONDS = 1.0
PROBE_DEADLINE_SECONDS = 1.5  # /health answers 503 after this, whatever the database does
PROBE_STATEMENT_TIMEOUT_MS = 1000
BACKUP_MAX_AGE_HOURS = 26
DISK_MIN_FREE_PERCENT = 10
BACKUP_GLOB = "frota_backup_*.sql.gz"
STARTED_AT = time.time()

# One probe at a time per worker, on its own thread: a hung probe never takes a request thread.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-probe")
_probe_future: Future | None = None
_probe_started = 0.0
_checked_at = 0.0
_last_ok = False


def make_probe_engine(settings: Settings, url: str | None = None) -> Engine:
    """A one-connection engine with short time-outs, apart from the request pool."""
    return make_engine(
        settings,
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=PROBE_DEADLINE_SECONDS,
        pool_recycle=300,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 2,  # libpq's minimum; the deadline above bounds the wait anyway
            "application_name": f"{settings.db_application_name}-health",
            "options": f"-c statement_timeout={PROBE_STATEMENT_TIMEOUT_MS}",
        },
    )


@lru_cache
def probe_engine() -> Engine:
    return make_probe_engine(get_settings())


def dispose_probe_engine() -> None:
    if probe_engine.cache_info().currsize:
        probe_engine().dispose()


def _probe() -> bool:
    try:
        with probe_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


async def database_answers() -> bool:
    """`SELECT 1` within PROBE_DEADLINE_SECONDS; the answer is reused for up to a second."""
    global _probe_future, _probe_started, _checked_at, _last_ok
    now = time.monotonic()
    if now - _checked_at < CACHE_SECONDS:
        return _last_ok
    if _probe_future is None or _probe_future.done():
        _probe_future, _probe_started = _executor.submit(_probe), now
    future, remaining = _probe_future, _probe_started + PROBE_DEADLINE_SECONDS - now
    ok = False
    if future.done():
        ok = future.result()
    elif remaining > 0:
        done, _ = await asyncio.wait([asyncio.wrap_future(future)], timeout=remaining)
        ok = bool(done) and future.result()
    _checked_at, _last_ok = time.monotonic(), ok
    return ok


def timed_probe() -> dict:
    started = time.perf_counter()
    future = _executor.submit(_probe)
    try:
        ok = future.result(timeout=PROBE_DEADLINE_SECONDS)
    except TimeoutError:
        ok = False
    return {
        "status": "ok" if ok else "down",
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


# ---- /health/detailed ------------------------------------------------------------------------


def disk_status(path: Path) -> dict:
    existing = path.resolve()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    usage = shutil.disk_usage(existing)
    return {
        "path": str(path),
        "exists": path.exists(),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_percent": round(100 * usage.free / usage.total, 1) if usage.total else 0.0,
    }


def newest_backup(backup_dir: Path) -> dict:
    backups = sorted(backup_dir.glob(BACKUP_GLOB)) if backup_dir.is_dir() else []
    if not backups:
        return {"name": None, "age_hours": None}
    newest = max(backups, key=lambda p: (p.stat().st_mtime, p.name))
    age_hours = (time.time() - newest.stat().st_mtime) / 3600
    return {
        "name": newest.name,
        "age_hours": round(age_hours, 2),
        "size_bytes": newest.stat().st_size,
    }


def last_job_runs(engine: Engine) -> tuple[str | None, dict | None]:
    """When `frota prune-photos` last finished, and the last `frota verify` (when, how many
    photos, how many problems); None for a job that never ran. One connection for both."""
    with engine.connect() as conn:
        pruned = None
        if conn.execute(text("SELECT to_regclass('prune_runs')")).scalar() is not None:
            pruned = conn.execute(text("SELECT max(finished_at) FROM prune_runs")).scalar()
        verified = conn.execute(
            text(
                "SELECT finished_at, photos_checked, problems FROM verify_runs "
                "ORDER BY finished_at DESC LIMIT 1"
            )
        ).first()
    return (
        pruned.isoformat() if pruned else None,
        None
        if verified is None
        else {
            "finished_at": verified[0].isoformat(),
            "photos_checked": verified[1],
            "problems": verified[2],
        },
    )


def read_pool_status(pool) -> dict:
    """This worker's read pool (psycopg's own counters): size, idle, in use, requests waiting."""
    stats = pool.get_stats()
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    return {
        "max_size": pool.max_size,
        "size": size,
        "idle": idle,
        "in_use": size - idle,
        "requests_waiting": stats.get("requests_waiting", 0),
        "usage_percent": round(100 * (size - idle) / pool.max_size, 1),
    }


def licensing_status(settings: Settings) -> dict:
    """LICENSING_STATE's calendar this year: which year's table dates it, and from where."""
    year = settings.licensing_year(settings.licensing_today().year)
    return {
        "state": year.state,
        "year": year.year,
        "calendar_year": year.calendar_year,
        "estimated_from": year.calendar_year if year.missing else None,
        "estimated": any(year.estimated),  # some dates are estimates (or all: estimated_from)
        "source": year.source,
        "warning": year.warning(),
    }


def probe_outbox() -> dict:
    """The outbox's backlog (api/events) on the probe's connection, with its short time-outs."""
    with probe_engine().connect() as conn:
        return outbox_status(conn)


def read_outbox(problems: list[str]) -> dict | None:
    """The outbox (api/events) on the probe's connection: a worker that stopped shows here."""
    try:
        status = probe_outbox()
    except SQLAlchemyError as exc:
        problems.append(f"could not read the outbox: {type(exc).__name__}")
        return None
    problem = outbox_problem(status)
    if problem:
        problems.append(problem)
    return status


def scraped_families() -> list:
    """What /metrics reads from the database at each scrape (every worker's answer is the
    same): the outbox. Nothing when the database does not answer in time."""
    from prometheus_client.core import GaugeMetricFamily

    try:
        status = probe_outbox()
    except SQLAlchemyError:
        return []
    return [
        GaugeMetricFamily(
            "frota_outbox_pending", "Events not yet dispatched by frota worker", status["pending"]
        ),
        GaugeMetricFamily(
            "frota_outbox_oldest_pending_seconds",
            "Age of the oldest event not yet dispatched",
            status["oldest_pending_seconds"],
        ),
    ]


def detailed_status(settings: Settings, rate_limits, read_pool) -> tuple[dict, int]:
    """Everything the operator wants at a glance; 503 only when the database is down."""
    database = timed_probe()
    report: dict = {"status": "ok", "problems": [], "database": database}
    problems: list[str] = report["problems"]
    engine = get_engine()
    report["pool"] = pool_status(engine, settings)
    report["read_pool"] = read_pool_status(read_pool)
    for name in ("pool", "read_pool"):
        if report[name]["usage_percent"] > POOL_ALERT_RATIO * 100:
            problems.append(f"database {name} {report[name]['usage_percent']}% used (> 80%)")
    if rate_limits is not None:
        report["redis"] = rate_limits.status()
        if rate_limits.backend == "redis" and report["redis"]["status"] != "ok":
            problems.append("Redis unreachable: rate limits are not enforced (failing open)")
    report["disk"] = {
        "uploads": disk_status(settings.upload_dir),
        "backups": disk_status(settings.backup_dir),
    }
    for name, disk in report["disk"].items():
        if disk["free_percent"] < DISK_MIN_FREE_PERCENT:
            problems.append(f"disk for {name} has {disk['free_percent']}% free (< 10%)")
    report["backup"] = newest_backup(settings.backup_dir)
    age = report["backup"]["age_hours"]
    if age is None:
        # A fresh development install has none yet: a problem only where backups must run.
        message = f"no backup found in {settings.backup_dir}"
        (problems if settings.is_production else report.setdefault("notes", [])).append(message)
    elif age > BACKUP_MAX_AGE_HOURS:
        problems.append(f"newest backup is {age:.0f} h old (> {BACKUP_MAX_AGE_HOURS} h)")
    report["licensing"] = licensing_status(settings)
    if report["licensing"]["estimated_from"] is not None:
        # Expected each January until the state publishes: a note, never "degraded".
        report.setdefault("notes", []).append(report["licensing"]["warning"])
    report["last_prune_run"] = None
    report["last_verify_run"] = None
    if database["status"] == "ok":
        try:
            report["last_prune_run"], report["last_verify_run"] = last_job_runs(engine)
        except SQLAlchemyError as exc:
            problems.append(f"could not read the job runs: {type(exc).__name__}")
        report["outbox"] = read_outbox(problems)
    report["email"] = {"configured": mail_configured(settings), "host": settings.smtp_host}
    if not report["email"]["configured"]:
        # Not a failure: a fleet may want no e-mail (the notes say what it misses).
        report.setdefault("notes", []).append("SMTP_HOST is unset: no e-mail is sent")
    verified = report["last_verify_run"]
    if verified and verified["problems"]:
        problems.append(f"the last frota verify found {verified['problems']} problems")
    report.update(
        uptime_seconds=round(time.time() - STARTED_AT, 1),
        version=settings.version,
        environment=settings.environment,
        worker_pid=os.getpid(),
    )
    if database["status"] != "ok":
        report["status"] = "unhealthy"
        problems.insert(0, "database not answering")
        return report, 503
    if problems:
        report["status"] = "degraded"
    return report, 200
