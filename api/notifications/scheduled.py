"""The scheduled notifications (`run_scheduled`, hourly in `frota worker`): the fleet's `/due`
list read once through api.due.service, then, each user in a savepoint of their own and
committed before the next, the managers' digests and the drivers' own warnings (from the
user's `digest_hour` of the fleet's day, once a day), the fines near their identification
deadline (at once, on every run), and the `due.soon`/`due.overdue` events (once per item and
state)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.config import Settings
from api.drivers.models import Driver
from api.due import service as due_service
from api.events.recorder import emit
from api.local_time import default_exif_timezone, due_dates
from api.notifications.delivery import Key, Recipient, claim, deliver, recipients
from api.notifications.messages import Line, compose, fmt_date, words
from api.notifications.models import NotificationPreferences
from api.users.models import User
from api.vehicles.models import Vehicle

log = logging.getLogger("frota.notifications")

DRIVER_WARNING_DAYS = (1, 7, 30)  # a CNH's or an exam's warnings, before the expiry
FINE_ALERT_DAYS = 7  # a fine with no driver named this close to its deadline: at once
ENTITY = {
    "reminder": "reminder",
    "document": "document",
    "licensing": "vehicle",
    "cnh": "driver",
    "toxicology": "driver",
    "fine_payment": "fine",
    "fine_identification": "fine",
    "defect": "defect",
}


@dataclass(frozen=True)
class Item:
    """One row of /due with its identity: `ref` the item, `state` its due state."""

    row: dict
    ref: str
    state: str
    plate: str | None

    @property
    def overdue(self) -> bool:
        return self.row["status"] == "overdue"


def item_id(row: dict) -> int:
    return int(row["ref"].rsplit("/", 1)[1])


def item_state(row: dict) -> str:
    """The status and what moves when the item is dealt with and comes due again: a reminder's
    km (its forecast date moves every day) or its date; every other item's date."""
    if row["kind"] == "reminder" and row["due_km"] is not None:
        version = f"km{row['due_km']}"
    else:
        version = row["due_on"].isoformat() if row["due_on"] else "none"
    return f"{row['status']}@{version}"


def due_items(session: Session, settings: Settings, now: datetime, **within) -> list[Item]:
    """The fleet's /due list as the API answers it (the same query and values), with plates."""
    dates = due_dates(settings, now=now, **within)
    values = due_service.due_values(dates, settings.licensing_year(dates["today"].year))
    query = due_service.due_query(frozenset(values))
    rows = [dict(r) for r in session.execute(query, values).mappings()]
    vehicle_ids = {r["vehicle_id"] for r in rows if r["vehicle_id"] is not None}
    plates = dict(
        session.execute(select(Vehicle.id, Vehicle.plate).where(Vehicle.id.in_(vehicle_ids))).all()
        if vehicle_ids
        else []
    )
    return [
        Item(r, f"{r['kind']}:{item_id(r)}", item_state(r), plates.get(r["vehicle_id"]))
        for r in rows
    ]


def item_link(settings: Settings, item: Item) -> str:
    """Where the item opens in the panel (api/panel/static/js/app.js's routes)."""
    row, base = item.row, settings.panel_url
    if row["kind"] in ("fine_payment", "fine_identification"):
        return f"{base}#/fines/{item_id(row)}"
    if row["vehicle_id"] is not None:
        return f"{base}#/vehicles/{row['vehicle_id']}"
    if row["kind"] == "document":
        return f"{base}#/documents/{item_id(row)}/edit"
    return f"{base}#/drivers/{row['driver_id']}/edit"


def item_line(settings: Settings, item: Item, language: str, *, repeat: bool = False) -> Line:
    w, row = words(language), item.row
    parts = [f"{w[row['status']]} · {w['kind.' + row['kind']]}: {row['title']}"]
    if item.plate and item.plate not in row["title"]:
        parts.append(f"({w['vehicle']} {item.plate})")
    if row["due_on"] is not None:
        parts.append(f"— {w['on']} {fmt_date(row['due_on'], language)}")
    if row["due_km"] is not None:
        parts.append(w["at_km"].format(km=f"{row['due_km']:,}".replace(",", ".")))
    if repeat:
        parts.append(f"({w['still_overdue']})")
    return Line(" ".join(parts), item_link(settings, item))


def _daily_due(person: Recipient, local_now: datetime, offset, force: bool) -> bool:
    """From the person's digest hour of the fleet's day, once a day (a worker that was down at
    that hour sends it when it is back)."""
    if force:
        return True
    if local_now.hour < person.digest_hour:
        return False
    return (
        person.last_digest_at is None
        or person.last_digest_at.astimezone(offset).date() < local_now.date()
    )


def _mark_daily(session: Session, person: Recipient, now: datetime) -> None:
    """`last_digest_at` (Core, not the ORM: the audit log records people's changes, not this);
    a person who set nothing gets the defaults' row."""
    session.execute(
        insert(NotificationPreferences)
        .values(user_id=person.id, last_digest_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"last_digest_at": now})
    )


def digest(session, settings, person: Recipient, items: list[Item], week: str) -> dict:
    """New or changed items since the person's last digest, and the overdue ones once a week."""
    keys: list[Key] = []
    for item in items:
        keys.append((item.ref, item.state, ""))
        if item.overdue:
            keys.append((item.ref, item.state, week))

    def build(claimed: set[Key]):
        lines = []
        for item in items:
            new = (item.ref, item.state, "") in claimed
            repeat = item.overdue and (item.ref, item.state, week) in claimed
            if new or repeat:
                lines.append(item_line(settings, item, person.language, repeat=repeat and not new))
        if not lines:
            return None
        w = words(person.language)
        subject = w["digest.subject"].format(n=len(lines))
        return compose(person.language, subject, w["digest.intro"], lines, settings.panel_url)

    return deliver(session, settings, person, keys, build, on_failure="retry")


def own_warnings(session, settings, person: Recipient, items: list[Item], today: date) -> dict:
    """A driver's CNH and toxicology exam: one warning at 30, 7 and 1 days before, and one
    when it has expired (or an exam is missing)."""
    counts = {"sent": 0, "failed": 0}
    for item in items:
        row = item.row
        days = (row["due_on"] - today).days if row["due_on"] else -1
        if days > DRIVER_WARNING_DAYS[-1]:
            continue
        period = "expired" if days < 0 else str(min(d for d in DRIVER_WARNING_DAYS if d >= days))
        key = (item.ref, f"expiry@{row['due_on'] or 'none'}", period)
        message = _own_message(settings, person.language, row["kind"], days, row["due_on"])
        build = lambda _claimed, message=message: message  # noqa: E731
        for name, n in deliver(session, settings, person, [key], build).items():
            counts[name] += n
    return counts


def _own_message(settings, language: str, kind: str, days: int, due_on: date | None):
    w, expired = words(language), days < 0
    subject = w[f"{kind}.expired"] if expired else w[f"{kind}.subject"].format(days=days)
    line = w[f"{kind}.line_expired" if expired else f"{kind}.line"].format(
        date=fmt_date(due_on, language)
    )
    base = settings.panel_url
    return compose(language, subject, w["own.intro"], [Line(line, base)], base)


def fine_alert(session, settings, person: Recipient, item: Item, week: str) -> dict:
    """A fine with no driver named and its identification deadline within FINE_ALERT_DAYS:
    told at once, under the digest's key (the digest does not repeat it)."""
    w = words(person.language)

    def build(_claimed):
        subject = w["fine_deadline.subject"].format(
            plate=item.plate or "?", date=fmt_date(item.row["due_on"], person.language)
        )
        line = item_line(settings, item, person.language)
        return compose(
            person.language, subject, w["fine_deadline.intro"], [line], settings.panel_url
        )

    key = (item.ref, item.state, "")
    keys = [key, (item.ref, item.state, week)] if item.overdue else [key]
    return deliver(
        session, settings, person, keys, lambda claimed: build(claimed) if key in claimed else None
    )


def due_events(session: Session, items: list[Item]) -> int:
    """`due.soon` / `due.overdue` once per item and state, for the webhooks (api/events)."""
    keys = [(item.ref, item.state, "") for item in items]
    claimed = claim(session, None, "webhook", keys)
    for item in items:
        if (item.ref, item.state, "") in claimed:
            data = {**item.row, "due_on": item.row["due_on"] and item.row["due_on"].isoformat()}
            type_ = "due.overdue" if item.overdue else "due.soon"
            emit(session, type_, data, entity=ENTITY[item.row["kind"]], entity_id=item_id(item.row))
    return len(claimed)


def week_of(now: datetime, settings: Settings) -> str:
    """The ISO week of `now` where the fleet is (`2026-W50`): an overdue item's repeat period."""
    year, week, _ = now.astimezone(default_exif_timezone(settings)).isocalendar()
    return f"{year}-W{week:02d}"


def _each(session: Session, people, work) -> dict:
    """`work(person)` for each, in a savepoint, committed before the next: one person's failure
    never stops the others, and what was sent stays recorded if the run dies later."""
    counts = {"sent": 0, "failed": 0}
    for person in people:
        try:
            with session.begin_nested():
                for name, n in work(person).items():
                    counts[name] += n
            session.commit()
        except Exception:
            session.rollback()
            counts["failed"] += 1
            log.exception("scheduled notifications of user %s failed", person.id)
    return counts


def run(session: Session, settings: Settings, now: datetime, force: bool = False) -> dict:
    offset = default_exif_timezone(settings)
    local_now = now.astimezone(offset)
    week_key = week_of(now, settings)
    items = due_items(session, settings, now)
    summary = {"items": len(items), "events": due_events(session, items)}
    session.commit()

    fleet = recipients(session, or_(User.role == "manager", User.role == "admin"))

    def daily(person):
        result = digest(session, settings, person, items, week_key)
        _mark_daily(session, person, now)
        return result

    daily_people = [p for p in fleet if _daily_due(p, local_now, offset, force)]
    summary["digests"] = _each(session, daily_people, daily)

    urgent = [
        i
        for i in items
        if i.row["kind"] == "fine_identification"
        and i.row["driver_id"] is None
        and i.row["due_on"] is not None
        and (i.row["due_on"] - local_now.date()).days <= FINE_ALERT_DAYS
    ]

    def alerts(person):
        counts = {"sent": 0, "failed": 0}
        for item in urgent:
            for name, n in fine_alert(session, settings, person, item, week_key).items():
                counts[name] += n
        return counts

    summary["fine_alerts"] = _each(session, [p for p in fleet if p.immediate and urgent], alerts)

    own = items
    if settings.due_soon_days < DRIVER_WARNING_DAYS[-1]:
        own = due_items(session, settings, now, within_days=DRIVER_WARNING_DAYS[-1])
    own_by_driver: dict[int, list[Item]] = {}
    for item in own:
        if item.row["kind"] in ("cnh", "toxicology"):
            own_by_driver.setdefault(item.row["driver_id"], []).append(item)
    linked = dict(
        session.execute(
            select(Driver.user_id, Driver.id).where(
                Driver.user_id.is_not(None), Driver.is_active, Driver.id.in_(own_by_driver)
            )
        ).all()
        if own_by_driver
        else []
    )
    # Managers' and admins' own CNH is in their digest already.
    drivers = recipients(session, User.id.in_(linked), User.role == "driver") if linked else []
    drivers = [p for p in drivers if _daily_due(p, local_now, offset, force)]

    def warnings(person):
        mine = own_by_driver[linked[person.id]]
        result = own_warnings(session, settings, person, mine, local_now.date())
        _mark_daily(session, person, now)
        return result

    summary["driver_warnings"] = _each(session, drivers, warnings)
    session.commit()
    return summary
