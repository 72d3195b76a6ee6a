"""Health probes: cheap, bounded in time, and cached for a moment against floods."""

import threading
import time

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.db import get_engine

CACHE_SECONDS = 1.0
PROBE_TIMEOUT_MS = 1500

_lock = threading.Lock()
_last: tuple[float, bool] = (0.0, False)


def _probe() -> bool:
    try:
        with get_engine().connect() as conn:
            conn.execute(text(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}"))
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def database_answers() -> bool:
    """`SELECT 1` within the time-out; the answer is reused for up to a second."""
    global _last
    checked_at, ok = _last
    if time.monotonic() - checked_at < CACHE_SECONDS:
        return ok
    with _lock:
        checked_at, ok = _last
        if time.monotonic() - checked_at < CACHE_SECONDS:
            return ok
        ok = _probe()
        _last = (time.monotonic(), ok)
        return ok
