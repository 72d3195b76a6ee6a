"""Watch the database engine: pool gauges, a warning when the pool passes 80 %, slow statements."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

from api import metrics
from api.config import Settings

log = logging.getLogger("frota.db")

POOL_ALERT_RATIO = 0.8
POOL_CALM_RATIO = 0.5  # hysteresis: warn again only after usage fell back below this

# The listeners installed on each engine (the app's engine outlives the many lifespans of a test
# run): our own record, never attributes set on SQLAlchemy's objects.
_installed: WeakKeyDictionary[Engine, set[str]] = WeakKeyDictionary()


def _first_time(engine: Engine, what: str) -> bool:
    """True once per engine and `what`: the listeners are installed then."""
    done = _installed.setdefault(engine, set())
    if what in done:
        return False
    done.add(what)
    return True


def pool_status(engine: Engine, settings: Settings) -> dict:
    """Size, connections checked in and out, overflow and usage of this worker's pool."""
    pool = engine.pool
    limit = settings.db_pool_size + settings.db_max_overflow
    checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
    return {
        "size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "checked_in": pool.checkedin() if hasattr(pool, "checkedin") else 0,
        "checked_out": checked_out,
        "overflow": max(pool.overflow(), 0) if hasattr(pool, "overflow") else 0,
        "usage_percent": round(100 * checked_out / limit, 1) if limit else 0.0,
    }


def install_pool_monitor(engine: Engine, settings: Settings) -> None:
    """Keep the pool gauges current and log once each time usage crosses 80 %."""
    limit = settings.db_pool_size + settings.db_max_overflow
    metrics.POOL_SIZE.set(settings.db_pool_size)
    metrics.POOL_LIMIT.set(limit)
    alerting = False

    def update(*_args) -> None:
        nonlocal alerting
        pool = engine.pool
        checked_out = pool.checkedout()
        metrics.POOL_CHECKED_OUT.set(checked_out)
        metrics.POOL_OVERFLOW.set(max(pool.overflow(), 0))
        ratio = checked_out / limit if limit else 0.0
        if ratio > POOL_ALERT_RATIO and not alerting:
            alerting = True
            log.warning(
                "database pool above 80%%: %s of %s connections in use",
                checked_out,
                limit,
                extra={"pool_checked_out": checked_out, "pool_limit": limit},
            )
        elif ratio < POOL_CALM_RATIO and alerting:
            alerting = False
            log.info("database pool back to %s of %s connections", checked_out, limit)

    if _first_time(engine, "pool monitor"):
        event.listen(engine, "checkout", update)
        event.listen(engine, "checkin", update)


_slow_query_ms = 0  # set by install_slow_query_log; 0: off


def _report_slow(statement: str, elapsed_ms: float) -> None:
    metrics.SLOW_QUERIES.inc()
    log.warning(
        "slow statement (%.0f ms): %s",
        elapsed_ms,
        " ".join(statement.split())[:500],
        extra={"duration_ms": round(elapsed_ms, 1)},
    )


@contextmanager
def timed(statement: str) -> Iterator[None]:
    """The slow-statement log for statements sent on a driver's cursor (the hot lists), which
    SQLAlchemy's events do not see."""
    started = time.perf_counter()
    yield
    elapsed_ms = (time.perf_counter() - started) * 1000
    if 0 < _slow_query_ms <= elapsed_ms:
        _report_slow(statement, elapsed_ms)


def install_slow_query_log(engine: Engine, threshold_ms: int) -> None:
    """Log statements slower than threshold_ms (text only: parameters may hold secrets)."""
    global _slow_query_ms
    _slow_query_ms = threshold_ms
    if threshold_ms <= 0 or not _first_time(engine, "slow query log"):
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("frota_query_start", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["frota_query_start"].pop()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= threshold_ms:
            _report_slow(statement, elapsed_ms)

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        # A failed statement never reaches after_cursor_execute; keep the stack balanced.
        conn = context.connection
        if conn is not None and conn.info.get("frota_query_start"):
            conn.info["frota_query_start"].pop()
