"""What the outbox holds: the events not dispatched yet and the age of the oldest (detailed
health, /metrics, `frota worker --check`)."""

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# A healthy worker dispatches within seconds; older than this, it is not running.
STALE_SECONDS = 120

STATUS = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0) "
    "FROM events WHERE dispatched_at IS NULL"
)


def outbox_status(db: Session | Connection) -> dict:
    pending, oldest = db.execute(STATUS).one()
    return {"pending": pending, "oldest_pending_seconds": round(max(float(oldest), 0.0), 1)}


def outbox_problem(status: dict) -> str | None:
    if status["oldest_pending_seconds"] > STALE_SECONDS:
        return (
            f"{status['pending']} events waiting, the oldest for "
            f"{status['oldest_pending_seconds']:.0f} s: is `frota worker` running?"
        )
    return None
