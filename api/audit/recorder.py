"""Every ORM write is logged where it is flushed: SQLAlchemy's `before_flush` event sees each
changed and deleted row with its attribute history, `after_flush` each new one with its id, and
the log rows are inserted on the same connection, in the same transaction. A write the system
makes as a consequence (a check-out putting the vehicle in use) is logged with the actor whose
request caused it. `install()` (create_app, the CLI) turns it on for every session."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from api.actor import current_user_id
from api.audit.models import AuditEntry
from api.logging_setup import request_id_var

# Table → the entity's name in the log (singular snake case). Tables not named are not logged.
ENTITIES = {
    "vehicles": "vehicle",
    "drivers": "driver",
    "trips": "trip",
    "photos": "photo",
    "users": "user",
    "fuel_entries": "fuel_entry",
    "service_records": "service_record",
    "reminders": "reminder",
    "documents": "document",
    "inspection_templates": "inspection_template",
    "inspections": "inspection",
    "defects": "defect",
    "fines": "fine",
    "webhook_endpoints": "webhook_endpoint",
    "webhook_deliveries": "webhook_delivery",
    "notification_preferences": "notification_preferences",
}
SECRET = "[secret]"
# A webhook's signing secret; push_urls are Apprise URLs, which carry the push services' tokens.
SECRET_COLUMNS = {"password_hash", "feed_token_hash", "secret", "push_urls"}
UNLOGGED_COLUMNS = {"created_at", "updated_at"}


def jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, ClauseElement):
        return "[set by the database]"  # `photo.pruned_at = func.now()`
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _shown(column: str, value):
    return SECRET if column in SECRET_COLUMNS and value is not None else jsonable(value)


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    unloaded = state.unloaded  # never loaded here: read nothing more from the database
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name in UNLOGGED_COLUMNS or name in unloaded:
            continue
        if action == "create":
            value = state.dict.get(name)
            if value is not None:
                changes[name] = [None, _shown(name, value)]
        elif action == "delete":
            changes[name] = [_shown(name, state.dict.get(name)), None]
        else:
            history = state.attrs[name].history
            if history.has_changes():
                before = _shown(name, history.deleted[0] if history.deleted else None)
                after = _shown(name, history.added[0] if history.added else None)
                if before != after or before == SECRET:
                    changes[name] = [before, after]
    return changes


def entry(action: str, entity: str, entity_id: int | None, changes: dict) -> dict:
    return {
        "actor_id": current_user_id.get(),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "changes": changes,
        "request_id": request_id_var.get(),
    }


def _changes_before_flush(session: Session, _flush_context, _instances) -> None:
    """Changed and deleted rows with their history, taken before the flush (a value the database
    sets, `func.now()`, has no history left afterwards); new rows wait for their ids."""
    pending = []
    for action, objects in (("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            entity = ENTITIES.get(getattr(obj, "__tablename__", ""))
            if entity is None:
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue  # touched, not changed
            pending.append(entry(action, entity, getattr(obj, "id", None), changes))
    session.info["audit_pending"] = pending  # this flush's: a failed one is replaced next time


def _log_flush(session: Session, _flush_context) -> None:
    rows = session.info.pop("audit_pending", [])
    for obj in session.new:
        entity = ENTITIES.get(getattr(obj, "__tablename__", ""))
        if entity is not None:
            rows.append(entry("create", entity, obj.id, _changes(obj, "create")))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def install() -> None:
    """Log the writes of every session from now on (idempotent: tests make many apps)."""
    if not event.contains(Session, "before_flush", _changes_before_flush):
        event.listen(Session, "before_flush", _changes_before_flush)
        event.listen(Session, "after_flush", _log_flush)


def log_login(session: Session, user_id: int) -> None:
    """A successful login, by the user who logged in."""
    row = entry("login", "user", user_id, {})
    row["actor_id"] = user_id
    session.connection().execute(insert(AuditEntry), [row])
