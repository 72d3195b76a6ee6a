"""Notifications: each person's preferences, a test message, the immediate messages of the
outbox's events (`on_events`, called by `frota worker`'s dispatch) and the scheduled ones
(`run_scheduled`: the digests and warnings, api/notifications/scheduled.py)."""

import logging
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.config import Settings
from api.db import get_or_404, make_cli_engine
from api.drivers.models import Driver
from api.errors import FrotaError, Invalid
from api.events.models import Event
from api.inspections.models import Defect
from api.local_time import default_exif_timezone, local_date
from api.mail import MailError, MailNotConfigured, mail_configured, send_mail
from api.notifications import scheduled
from api.notifications.delivery import Key, Recipient, deliver, mask, push, recipients
from api.notifications.messages import Line, compose, words
from api.notifications.models import NotificationPreferences, default_preferences
from api.notifications.schemas import (
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    NotificationTestResult,
)
from api.url_guard import UnsafeURL, check_apprise_url
from api.users.models import User
from api.vehicles.models import Vehicle

log = logging.getLogger("frota.notifications")


# ---- preferences -------------------------------------------------------------------------------


def user_or_404(*, session: Session, user_id: int) -> User:
    return get_or_404(session, User, user_id)


def get_preferences(*, session: Session, user_id: int) -> NotificationPreferences:
    """The person's row, or the defaults (not saved) when they set nothing."""
    found = session.scalar(
        select(NotificationPreferences).where(NotificationPreferences.user_id == user_id)
    )
    return found if found is not None else default_preferences(user_id)


def preferences_read(preferences: NotificationPreferences) -> NotificationPreferencesRead:
    return NotificationPreferencesRead(
        email=preferences.email,
        immediate=preferences.immediate,
        digest_hour=preferences.digest_hour,
        language=preferences.language,
        push_urls=[mask(url) for url in preferences.push_urls or []],
    )


def _checked_push_urls(settings: Settings, urls: list[str], current: list[str]) -> list[str]:
    """Each URL as Apprise reads it and pointing at a public server; a URL sent back exactly as
    it was read (masked) keeps the one at its place."""
    checked = []
    for i, url in enumerate(urls):
        if i < len(current) and url == mask(current[i]):
            checked.append(current[i])
            continue
        try:
            check_apprise_url(url, allow_private=settings.webhook_allow_private)
        except UnsafeURL as error:
            raise Invalid(f"push_urls[{i}]: {error}") from error
        checked.append(url)
    if len(set(checked)) != len(checked):
        raise Invalid("push_urls: the same URL twice")
    return checked


def update_preferences(
    *, session: Session, settings: Settings, user_id: int, data: NotificationPreferencesUpdate
) -> NotificationPreferences:
    """Change what was sent; the row is created on the first change (audit-logged)."""
    preferences = get_preferences(session=session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("email", "immediate", "digest_hour", "language"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null")
    if "push_urls" in changes:
        changes["push_urls"] = _checked_push_urls(
            settings, changes["push_urls"] or [], list(preferences.push_urls or [])
        )
    for name, value in changes.items():
        setattr(preferences, name, value)
    session.add(preferences)
    session.flush()
    return preferences


class NothingToSend(FrotaError):
    status_code = 503


class NothingSent(FrotaError):
    status_code = 502


def send_test(*, session: Session, settings: Settings, user: User) -> NotificationTestResult:
    """A test message to the person now: by e-mail (also when their `email` is off: they asked)
    and to each push URL. 503 when nothing can be sent, 502 when every channel failed."""
    preferences = get_preferences(session=session, user_id=user.id)
    urls = list(preferences.push_urls or [])
    if not mail_configured(settings) and not urls:
        raise NothingToSend(
            "E-mail is not configured on this server (SMTP_HOST is unset) and you have no push "
            "URLs: nothing can be sent"
        )
    w = words(preferences.language)
    base = settings.panel_url
    message = compose(preferences.language, w["test.subject"], w["test.intro"], [], base)
    sent, failed = [], []
    try:
        send_mail(settings, user.email, message.subject, message.text, message.html)
        sent.append({"channel": "email", "to": user.email})
    except MailNotConfigured as error:
        failed.append({"channel": "email", "to": user.email, "error": str(error)})
    except MailError as error:
        failed.append({"channel": "email", "to": user.email, "error": str(error)})
    refused = dict(push(settings, urls, message.subject, message.text))
    for url in urls:
        if url in refused:
            failed.append({"channel": "push", "to": mask(url), "error": refused[url]})
        else:
            sent.append({"channel": "push", "to": mask(url)})
    if not sent:
        raise NothingSent("Nothing was sent: " + "; ".join(f["error"] for f in failed))
    return NotificationTestResult.model_validate({"sent": sent, "failed": failed})


# ---- the worker's two calls --------------------------------------------------------------------


def run_scheduled(settings: Settings, now: datetime, force: bool = False) -> dict:
    """The scheduled notifications at `now` (hourly in `frota worker`; `force`: every digest and
    warning now, `frota notify digest --now`). Its own session; a summary of what it did."""
    engine = make_cli_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return scheduled.run(session, settings, now, force=force)
    finally:
        engine.dispose()


def _plate(session: Session, vehicle_id) -> str:
    return session.scalar(select(Vehicle.plate).where(Vehicle.id == vehicle_id)) or "?"


def _tell(session, settings, people: list[Recipient], key: Key, what: str, line: str, link, plate):
    for person in people:
        if not person.immediate:
            continue
        w = words(person.language)
        message = compose(
            person.language,
            w[f"{what}.subject"].format(plate=plate),
            w[f"{what}.intro"],
            [Line(line, link)],
            settings.panel_url,
        )
        # Its weekly repeat (an overdue item) is due from next week on, not in this one.
        keys = [key, (*key[:2], scheduled.week_of(datetime.now(UTC), settings))]
        deliver(
            session,
            settings,
            person,
            keys,
            lambda claimed, m=message: m if key in claimed else None,
        )


def _on_event(session: Session, settings: Settings, event: Event) -> None:
    data, base = event.data or {}, settings.panel_url
    if event.type == "defect.opened" and data.get("severity") == "critical":
        plate = _plate(session, data.get("vehicle_id"))
        found_on = local_date(
            datetime.fromisoformat(data["created_at"]), default_exif_timezone(settings)
        )
        # The digest's key for this defect: it is not told twice.
        key = (f"defect:{data['id']}", f"overdue@{found_on.isoformat()}", "")
        fleet = recipients(session, or_(User.role == "manager", User.role == "admin"))
        line = f"{plate}: {data.get('description', '')}"
        link = f"{base}#/vehicles/{data.get('vehicle_id')}"
        _tell(session, settings, fleet, key, "critical", line, link, plate)
    elif event.type == "fine.driver_named" and data.get("driver_id"):
        user_id = session.scalar(select(Driver.user_id).where(Driver.id == data["driver_id"]))
        if user_id is None:
            return  # a driver with no login: nobody to tell
        plate = _plate(session, data.get("vehicle_id"))
        key = (f"fine:{data['id']}", f"named@{data['driver_id']}", "")
        amount = f"{data.get('amount', 0):.2f}".replace(".", ",")
        line = " · ".join(
            part
            for part in (plate, data.get("infraction_code"), data.get("description"), amount)
            if part
        )
        people = recipients(session, User.id == user_id)
        _tell(session, settings, people, key, "named", line, f"{base}#/fines", plate)
    elif event.type == "defect.resolved":
        reporter = session.scalar(
            select(Defect.created_by_user_id).where(Defect.id == data.get("id"))
        )
        if reporter is None:
            return  # recorded before reporters were kept, or by the system: nobody to tell
        plate = _plate(session, data.get("vehicle_id"))
        key = (f"defect:{data['id']}", "resolved", "")
        line = f"{plate}: {data.get('description', '')}"
        people = recipients(session, User.id == reporter)
        _tell(session, settings, people, key, "resolved", line, base, plate)


def on_events(session: Session, settings: Settings, events: list[Event]) -> None:
    """The immediate messages of the outbox's events, in the dispatch's transaction: a critical
    defect to managers and admins, a fine named to its driver, a defect resolved to who
    reported it. Never raises for a failed delivery (it is logged and recorded); an event
    whose handling fails is logged and the others go on."""
    for event in events:
        try:
            with session.begin_nested():
                _on_event(session, settings, event)
        except Exception:
            log.exception("notifications of event %s (%s) failed", event.id, event.type)
