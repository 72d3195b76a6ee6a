"""Telling one person one thing, by e-mail and push, at most once: the item's keys are claimed
in `sent_notifications` (INSERT … ON CONFLICT DO NOTHING) inside a savepoint before anything is
sent, so the database decides what is new, and a failed delivery rolls its claim back or is
recorded with its error. Nothing here raises because a delivery failed."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import apprise
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.config import Settings
from api.mail import MailError, mail_configured, send_mail
from api.notifications.messages import Message
from api.notifications.models import NotificationPreferences, default_preferences
from api.url_guard import UnsafeURL, check_apprise_url
from api.users.models import User

log = logging.getLogger("frota.notifications")

Key = tuple[str, str, str]  # (ref, state, period): see SentNotification
PUSH_BODY_MAX = 1800  # push services cut long bodies (Pushover 1024, ntfy 4096, Telegram 4096)


@dataclass(frozen=True)
class Recipient:
    """An active user with their preferences (the defaults when they set none)."""

    id: int
    email: str
    name: str
    role: str
    wants_email: bool
    immediate: bool
    digest_hour: int
    language: str
    push_urls: list[str]
    last_digest_at: datetime | None


def recipients(session: Session, *conditions) -> list[Recipient]:
    """Active users matching `conditions` (on User), with their preferences, by id."""
    prefs = NotificationPreferences
    rows = session.execute(
        select(User.id, User.email, User.name, User.role, prefs)
        .outerjoin(prefs, prefs.user_id == User.id)
        .where(User.is_active, *conditions)
        .order_by(User.id)
    ).all()
    found = []
    for user_id, email, name, role, pref in rows:
        pref = pref or default_preferences(user_id)
        found.append(
            Recipient(
                user_id,
                email,
                name,
                role,
                wants_email=pref.email,
                immediate=pref.immediate,
                digest_hour=pref.digest_hour,
                language=pref.language,
                push_urls=list(pref.push_urls),
                last_digest_at=pref.last_digest_at,
            )
        )
    return found


_CLAIM = text("""
INSERT INTO sent_notifications (user_id, channel, ref, state, period, error)
SELECT :user_id, :channel, k.ref, k.state, k.period, :error
FROM unnest(CAST(:refs AS text[]), CAST(:states AS text[]), CAST(:periods AS text[]))
    AS k(ref, state, period)
ON CONFLICT DO NOTHING
RETURNING ref, state, period
""")


def claim(
    session: Session, user_id: int | None, channel: str, keys: list[Key], error: str | None = None
) -> set[Key]:
    """The keys not claimed before (one statement): those are the ones to tell."""
    if not keys:
        return set()
    refs, states, periods = (list(column) for column in zip(*keys, strict=True))
    rows = session.execute(
        _CLAIM,
        {
            "user_id": user_id,
            "channel": channel,
            "refs": refs,
            "states": states,
            "periods": periods,
            "error": error,
        },
    )
    return {tuple(row) for row in rows}


def push(settings: Settings, urls: list[str], title: str, body: str) -> list[tuple[str, str]]:
    """Send to each Apprise URL; the (url, error) of those that failed. Each URL is checked
    again (a name may resolve elsewhere since it was saved)."""
    failed = []
    for url in urls:
        try:
            check_apprise_url(url, allow_private=settings.webhook_allow_private)
        except UnsafeURL as error:
            failed.append((url, str(error)))
            continue
        notifier = apprise.Apprise()
        if not notifier.add(url):
            failed.append((url, "not a push URL Apprise understands"))
        elif not notifier.notify(title=title, body=body[:PUSH_BODY_MAX]):
            failed.append((url, "the push service refused or did not answer"))
    return failed


def mask(url: str) -> str:
    """A push URL as it is read back: its scheme only (the rest holds the service's token)."""
    scheme, sep, _rest = url.partition("://")
    return f"{scheme}://…/…" if sep else "…"


OnFailure = Literal["record", "retry"]


class DeliveryFailed(Exception):
    """No push URL of the person took the message."""


def deliver(
    session: Session,
    settings: Settings,
    person: Recipient,
    keys: list[Key],
    build,
    *,
    on_failure: OnFailure = "record",
    email: bool = True,
) -> dict[str, int]:
    """Claim `keys` for each channel the person has and send `build(claimed)` (a Message, or
    None for nothing to say). A failed channel: `record` keeps the claim with its error (the
    item counts as told: an immediate message is not retried), `retry` rolls it back and
    records the failure apart (the next digest tries again)."""
    counts = {"sent": 0, "failed": 0}
    channels = []
    if email and person.wants_email and mail_configured(settings):
        channels.append("email")
    if person.push_urls:
        channels.append("push")
    for channel in channels:
        error = None
        savepoint = session.begin_nested()
        try:
            claimed = claim(session, person.id, channel, keys)
            message: Message | None = build(claimed) if claimed else None
            if message is None:
                savepoint.commit()
                continue
            if channel == "email":
                send_mail(settings, person.email, message.subject, message.text, message.html)
            else:
                failed = push(settings, person.push_urls, message.subject, message.text)
                if len(failed) == len(person.push_urls):
                    raise DeliveryFailed("; ".join(f"{mask(u)}: {e}" for u, e in failed))
                for url, reason in failed:
                    log.warning("push to %s for user %s failed: %s", mask(url), person.id, reason)
            savepoint.commit()
            counts["sent"] += 1
        except (MailError, DeliveryFailed) as failure:
            savepoint.rollback()
            error = str(failure) or type(failure).__name__
        except Exception as failure:  # a bug or a library's surprise: never stop the others
            savepoint.rollback()
            log.exception("notifying user %s by %s failed", person.id, channel)
            error = f"{type(failure).__name__}: {failure}"
        if error is not None:
            counts["failed"] += 1
            log.warning("notifying user %s by %s failed: %s", person.id, channel, error)
            _record_failure(session, person.id, channel, keys, error, on_failure)
    return counts


def _record_failure(session, user_id, channel, keys, error, on_failure: OnFailure) -> None:
    try:
        with session.begin_nested():
            if on_failure == "record":
                claim(session, user_id, channel, keys, error=error[:2000])
            else:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:16]
                claim(session, user_id, channel, [("failed", "digest", stamp)], error=error[:2000])
    except Exception:
        log.exception("recording a failed notification of user %s", user_id)
