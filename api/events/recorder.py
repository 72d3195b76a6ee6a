"""Events are recorded where the change is flushed, beside the audit log (api/audit/recorder.py):
`before_flush` notes the changes that make an event (a defect resolved, a vehicle grounded, a
driver named on a fine) while their history is still there, `after_flush_postexec` adds the
new rows' events once they have ids and renders every event's `data` with the resource's own
Read schema, and the outbox rows are inserted on the same connection, in the same transaction.
So a change that rolls back leaves no event, and one that commits leaves exactly one.
`emit()` records an event no row change makes (the due scan's `due.soon`, `due.overdue`)."""

import uuid
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from api.events.models import Event
from api.fines.schemas import FineRead
from api.fuel.schemas import FuelEntryRead
from api.inspections.schemas import DefectRead
from api.maintenance.schemas import ServiceRecordRead
from api.photos.schemas import PhotoRead
from api.trips.schemas import TripRead
from api.vehicles.schemas import VehicleRead

# Every event type there is, in the order the API documents them.
EVENT_TYPES = (
    "defect.opened",
    "defect.resolved",
    "vehicle.grounded",
    "vehicle.released",
    "fine.created",
    "fine.driver_named",
    "due.soon",
    "due.overdue",
    "trip.started",
    "trip.finished",
    "photo.created",
    "fuel_entry.created",
    "service_record.created",
)

# Table → (the entity's name, the Read schema its `data` is rendered with).
RESOURCES: dict[str, tuple[str, type[BaseModel]]] = {
    "defects": ("defect", DefectRead),
    "vehicles": ("vehicle", VehicleRead),
    "fines": ("fine", FineRead),
    "trips": ("trip", TripRead),
    "photos": ("photo", PhotoRead),
    "fuel_entries": ("fuel_entry", FuelEntryRead),
    "service_records": ("service_record", ServiceRecordRead),
}

# A new row of the table is this event.
CREATED = {
    "defects": "defect.opened",
    "fines": "fine.created",
    "trips": "trip.started",
    "photos": "photo.created",
    "fuel_entries": "fuel_entry.created",
    "service_records": "service_record.created",
}


def _value(v):
    return getattr(v, "value", v)  # an enum member, or the string the column holds


# A change of one column of the table is this event when the rule says so of (before, after).
Rule = Callable[[object, object], bool]
CHANGED: dict[str, list[tuple[str, Rule, str]]] = {
    "defects": [
        (
            "status",
            lambda b, a: _value(a) == "resolved" and _value(b) != "resolved",
            "defect.resolved",
        ),
    ],
    "vehicles": [
        ("status", lambda b, a: _value(a) == "maintenance", "vehicle.grounded"),
        ("status", lambda b, a: _value(b) == "maintenance", "vehicle.released"),
    ],
    "fines": [("driver_id", lambda b, a: b is None and a is not None, "fine.driver_named")],
    "trips": [("finished_at", lambda b, a: b is None and a is not None, "trip.finished")],
}


def new_uid() -> str:
    """The event's webhook-id: `msg_` and 32 hex digits, unique across installations."""
    return f"msg_{uuid.uuid4().hex}"


def render(obj) -> dict:
    """The row as the API returns it (JSON-ready). A photo's signed links expire within minutes,
    so an event carries none: a receiver asks `GET /photos/{id}` for fresh ones."""
    _entity, schema = RESOURCES[obj.__tablename__]
    if schema is PhotoRead:
        values = {name: getattr(obj, name, None) for name in schema.model_fields}
        values["uploaded_at"] = obj.created_at  # as api/photos/router.py's photo_read
        return schema.model_validate(values).model_dump(mode="json")
    return schema.model_validate(obj).model_dump(mode="json")


def _changed_before_flush(session: Session, _flush_context, _instances) -> None:
    """The changes that make an event, with their history (gone after the flush)."""
    found = []
    for obj in session.dirty:
        rules = CHANGED.get(getattr(obj, "__tablename__", ""))
        if not rules:
            continue
        state = inspect(obj)
        for column, rule, type_ in rules:
            history = state.attrs[column].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _value(before) != _value(after) and rule(before, after):
                found.append((type_, obj))
    session.info["events_pending"] = found  # this flush's: a failed one is replaced next time


def _record_after_flush(session: Session, _flush_context) -> None:
    found = session.info.pop("events_pending", [])
    created = [
        (CREATED[obj.__tablename__], obj)
        for obj in session.info.pop("events_new", [])
        if getattr(obj, "__tablename__", "") in CREATED
    ]
    rows = []
    for type_, obj in created + found:
        entity, _schema = RESOURCES[obj.__tablename__]
        rows.append(
            {
                "uid": new_uid(),
                "type": type_,
                "entity": entity,
                "entity_id": obj.id,
                "data": render(obj),
            }
        )
    if rows:
        session.connection().execute(insert(Event), rows)


def _new_rows(session: Session, _flush_context) -> None:
    """The rows this flush inserts (`session.new` is empty by `after_flush_postexec`)."""
    session.info["events_new"] = [obj for obj in session.new]


def emit(session: Session, type_: str, data: dict, *, entity: str | None = None, entity_id=None):
    """An event that no row change makes, in the session's transaction."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    session.connection().execute(
        insert(Event),
        [{"uid": new_uid(), "type": type_, "entity": entity, "entity_id": entity_id, "data": data}],
    )


def install() -> None:
    """Record the events of every session from now on (idempotent: tests make many apps)."""
    if not event.contains(Session, "before_flush", _changed_before_flush):
        event.listen(Session, "before_flush", _changed_before_flush)
        event.listen(Session, "after_flush", _new_rows)
        event.listen(Session, "after_flush_postexec", _record_after_flush)
