"""Sending the due deliveries (`frota worker`, every few seconds): each in a transaction of its
own that keeps the delivery's row locked (`FOR UPDATE SKIP LOCKED`) while the receiver is
called, then records the attempt and commits. A worker killed mid-send leaves nothing behind
(its connection dies, the lock with it), and the delivery is sent again later with the same
`webhook-id`: at least once, as Standard Webhooks expects receivers to deduplicate by it."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial

import httpx
import orjson
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from api.config import Settings
from api.db import make_engine
from api.events.models import Event
from api.mail import MailError, MailNotConfigured, send_mail
from api.url_guard import UnsafeURL, check_public_url
from api.users.models import User
from api.webhooks.models import DUE_STATUSES, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("frota.webhooks")

# The waits after the 1st, 2nd, ... failed attempt; after the last one the delivery is dead.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
# A receiver's Retry-After is honoured up to the schedule's longest wait.
MAX_RETRY_AFTER = max(RETRY_DELAYS)
FAILING_DAYS = 5  # an endpoint failing for this long is disabled and the admins told
TIMEOUT = 15.0
USER_AGENT = "Frota-Webhooks/1 (Standard Webhooks)"

_engines: dict[tuple, Engine] = {}


def _sessionmaker(settings: Settings) -> sessionmaker[Session]:
    """The sender's own pool: one connection per thread (each holds a lock while it sends)."""
    key = (settings.database_url, settings.worker_concurrency)
    if key not in _engines:
        _engines[key] = make_engine(settings, pool_size=settings.worker_concurrency, max_overflow=1)
    return sessionmaker(bind=_engines[key], expire_on_commit=False)


def _due(limit: int):
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status.in_(DUE_STATUSES),
            WebhookDelivery.next_attempt_at <= datetime.now(UTC),
            WebhookEndpoint.active,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )


def send_due(settings: Settings, *, limit: int = 200, timeout: float = TIMEOUT) -> int:
    """Send up to `limit` due deliveries of active endpoints, `WORKER_CONCURRENCY` at a time;
    `timeout` bounds each wait on a receiver (connecting, sending, its answer). Returns the
    attempts made. A delivery of an inactive endpoint waits (sent if it is turned back on)."""
    maker = _sessionmaker(settings)
    with maker() as session:
        ids = list(session.scalars(_due(limit)))
    if not ids:
        return 0
    with (
        httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            limits=httpx.Limits(max_connections=settings.worker_concurrency * 2),
        ) as client,
        ThreadPoolExecutor(settings.worker_concurrency, thread_name_prefix="webhook") as pool,
    ):
        deliver = partial(_deliver, settings=settings, maker=maker, client=client)
        return sum(pool.map(deliver, ids))


def _deliver(
    delivery_id: int, *, settings: Settings, maker: sessionmaker, client: httpx.Client
) -> bool:
    """Claim one delivery, call its receiver, record the attempt; False if another worker has
    it or it is no longer due. A failure of our own (the database gone) is logged: the
    delivery is still due and is sent again."""
    try:
        with maker() as session:
            with session.begin():
                claimed = session.execute(
                    select(WebhookDelivery, WebhookEndpoint, Event)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .join(Event, Event.id == WebhookDelivery.event_id)
                    .where(
                        WebhookDelivery.id == delivery_id,
                        WebhookDelivery.status.in_(DUE_STATUSES),
                        WebhookDelivery.next_attempt_at <= datetime.now(UTC),
                        WebhookEndpoint.active,
                    )
                    .with_for_update(of=WebhookDelivery, skip_locked=True)
                ).one_or_none()
                if claimed is None:
                    return False
                delivery, endpoint, event = claimed
                attempt, retry_after = _attempt(client, settings, endpoint, event)
                disabled = _record(session, delivery, endpoint, attempt, retry_after)
            if disabled:
                _tell_admins(session, settings, endpoint)
        return True
    except Exception:
        log.exception("webhook delivery %s: not recorded, it will be sent again", delivery_id)
        return False


def body(event: Event) -> bytes:
    """What is sent and signed: `{type, timestamp, data}`, the same bytes on every attempt."""
    occurred = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event.type, "timestamp": occurred, "data": event.data})


def _attempt(
    client: httpx.Client, settings: Settings, endpoint: WebhookEndpoint, event: Event
) -> tuple[dict, str | None]:
    """One POST to the endpoint: the attempt as recorded, and the answer's Retry-After."""
    at = datetime.now(UTC)
    started = time.monotonic()
    status_code, error, retry_after = None, None, None
    try:
        # Checked again: a name may resolve to another address than when it was saved.
        check_public_url(endpoint.url, allow_private=settings.webhook_allow_private)
        payload = body(event)
        headers = {
            "content-type": "application/json",
            "webhook-id": event.uid,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(event.uid, at, payload),
        }
        # The answer's body is not read: only its status matters.
        with client.stream("POST", endpoint.url, content=payload, headers=headers) as response:
            status_code = response.status_code
            retry_after = response.headers.get("retry-after")
            if response.is_redirect:
                error = f"redirect to {response.headers.get('location')!r} not followed"
            elif not response.is_success:
                error = f"HTTP {status_code} {response.reason_phrase}".strip()
    except UnsafeURL as refused:
        error = f"refused: {refused}"
    except httpx.TimeoutException as timed_out:
        error = f"no answer within {client.timeout.read:g} s ({type(timed_out).__name__})"
    except httpx.HTTPError as failed:
        error = f"{type(failed).__name__}: {failed}"[:500]
    attempt = {
        "at": at.isoformat().replace("+00:00", "Z"),
        "status_code": status_code,
        "error": error,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    return attempt, retry_after


def retry_after_seconds(value: str | None, now: datetime) -> float:
    """Retry-After as seconds (`120` or an HTTP date), 0 when absent or unreadable."""
    if not value:
        return 0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0)


def _record(
    session: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    attempt: dict,
    retry_after: str | None,
) -> bool:
    """The attempt, the delivery's next state and the endpoint's; True if this disabled the
    endpoint for failing too long. The delivery is written by statement (its attempts are its
    own log); the endpoint through the ORM, so that the audit log shows it being disabled."""
    at = datetime.fromisoformat(attempt["at"])
    code = attempt["status_code"]
    attempts = [*delivery.attempts, attempt]
    next_attempt_at, disabled_for_failing = None, False
    if attempt["error"] is None:
        status = "delivered"
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
    elif code == 410:
        status = "dead"
        endpoint.active = False
        endpoint.disabled_reason = f"The receiver answered 410 Gone at {attempt['at']}"
    else:
        if len(attempts) > len(RETRY_DELAYS):
            status = "dead"
        else:
            wait = max(
                RETRY_DELAYS[len(attempts) - 1],
                min(retry_after_seconds(retry_after, at), MAX_RETRY_AFTER),
            )
            status, next_attempt_at = "failed", at + timedelta(seconds=wait)
        if endpoint.failing_since is None:
            endpoint.failing_since = at
        elif at - endpoint.failing_since >= timedelta(days=FAILING_DAYS):
            endpoint.active = False
            since = endpoint.failing_since.astimezone(UTC).isoformat().replace("+00:00", "Z")
            endpoint.disabled_reason = (
                f"Failing since {since} ({FAILING_DAYS} days); last: {attempt['error']}"
            )[:500]
            disabled_for_failing = True
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(status=status, attempts=attempts, next_attempt_at=next_attempt_at),
        execution_options={"synchronize_session": False},
    )
    return disabled_for_failing


def _tell_admins(session: Session, settings: Settings, endpoint: WebhookEndpoint) -> None:
    """E-mail every active admin that the endpoint was disabled; a mail failure is logged and
    stops nothing."""
    with session.begin():
        admins = list(
            session.scalars(select(User.email).where(User.role == "admin", User.is_active))
        )
    log.warning("webhook %s disabled: %s", endpoint.id, endpoint.disabled_reason)
    if not admins:
        return
    link = settings.panel_url + "#/webhooks"
    text = (
        f"O webhook {endpoint.url} foi desativado: {endpoint.disabled_reason}.\n"
        f"Para reativá-lo depois de corrigir o receptor: {link}\n\n"
        f"The webhook {endpoint.url} was disabled: {endpoint.disabled_reason}.\n"
        f"Turn it back on once its receiver is fixed: {link}\n"
    )
    try:
        send_mail(settings, admins, "Frota: webhook desativado / webhook disabled", text)
    except MailNotConfigured:
        log.info("webhook %s disabled; no SMTP configured, no e-mail sent", endpoint.id)
    except MailError as error:
        log.error("webhook %s disabled; the e-mail to the admins failed: %s", endpoint.id, error)
