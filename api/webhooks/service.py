"""Webhook endpoints (admins) and the deliveries of the outbox's events to them: `enqueue` makes
the deliveries of events the worker dispatches, `send_due` (api/webhooks/sender.py) sends them."""

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Request
from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.orm import Session

from api.config import Settings
from api.db import get_or_404, read
from api.errors import Conflict, Invalid, NotFound
from api.events.models import Event
from api.events.recorder import new_uid
from api.lists import Eq, Filters
from api.url_guard import UnsafeURL, check_public_url
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookUpdate
from api.webhooks.sender import send_due  # noqa: F401 - the worker's entry point, beside enqueue

# The event a test sends: no endpoint subscribes to it (it is not among EVENT_TYPES), it is
# delivered only to the endpoint tested.
TEST_EVENT = "webhook.test"


def new_secret() -> str:
    """`whsec_` and base64 of 24 random bytes, as the Standard Webhooks libraries read it."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str, settings: Settings) -> str:
    """The URL, or a 422 with the guard's reason (a private or unresolvable address)."""
    try:
        check_public_url(url, allow_private=settings.webhook_allow_private)
    except UnsafeURL as error:
        raise Invalid(f"url: {error}") from error
    return url


# ---- endpoints ---------------------------------------------------------------------------------


def endpoints_query(shape: frozenset[str]) -> Select:
    """In the order they were made."""
    return select(WebhookEndpoint).order_by(WebhookEndpoint.id)


class WebhookFilters(Filters):
    active: Annotated[bool | None, Eq(WebhookEndpoint.active)] = None


def get_endpoint(session: Session, webhook_id: int, for_update: bool = False) -> WebhookEndpoint:
    return get_or_404(session, WebhookEndpoint, webhook_id, for_update=for_update)


async def endpoint_exists(request: Request, webhook_id: int) -> None:
    """404 unless the endpoint exists (on the event loop, through the read pool)."""

    async def exists(connection) -> bool:
        cursor = await connection.execute(_EXISTS, {"id": webhook_id}, prepare=True)
        return await cursor.fetchone() is not None

    if not await read(request, exists):
        raise NotFound(f"Webhook endpoint {webhook_id} not found")


_EXISTS = "SELECT 1 FROM webhook_endpoints WHERE id = %(id)s"


def create_endpoint(*, session: Session, data: WebhookCreate, settings: Settings):
    endpoint = WebhookEndpoint(
        url=check_url(data.url, settings),
        events=data.events,
        description=data.description,
        active=data.active,
        secret=new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def update_endpoint(
    *, session: Session, endpoint: WebhookEndpoint, data: WebhookUpdate, settings: Settings
) -> WebhookEndpoint:
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "events", "description", "active"):
        if changes.get(name) is None:
            changes.pop(name, None)  # null: left as it is (none of them may be empty)
    if "url" in changes:
        check_url(changes["url"], settings)
    if changes.get("active") and not endpoint.active:
        endpoint.disabled_reason = None  # turned back on: the past failures are forgotten
        endpoint.failing_since = None
    for name, value in changes.items():
        setattr(endpoint, name, value)
    session.flush()
    return endpoint


def rotate_secret(*, session: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret at once: the next attempt of every delivery is signed with it."""
    endpoint.secret = new_secret()
    session.flush()
    return endpoint


def delete_endpoint(*, session: Session, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its deliveries (ON DELETE CASCADE); the events stay."""
    session.delete(endpoint)
    session.flush()


# ---- deliveries --------------------------------------------------------------------------------


def deliveries_query(shape: frozenset[str]) -> Select:
    """The deliveries of the endpoint bound as `endpoint_id`, newest first."""
    return (
        select(
            WebhookDelivery.id,
            WebhookDelivery.event_id,
            Event.type.label("type"),
            WebhookDelivery.status,
            WebhookDelivery.attempts,
            WebhookDelivery.next_attempt_at,
        )
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == bindparam("endpoint_id"))
        .order_by(WebhookDelivery.id.desc())
    )


class DeliveryFilters(Filters):
    status: Annotated[str | None, Eq(WebhookDelivery.status)] = None


def delivery_read(session: Session, delivery: WebhookDelivery) -> DeliveryRead:
    event_type = session.scalar(select(Event.type).where(Event.id == delivery.event_id))
    return DeliveryRead(
        id=delivery.id,
        event_id=delivery.event_id,
        type=event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    )


def send_test(*, session: Session, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event delivered to this endpoint only, by the worker like any other
    (signed, retried). Dispatched already: the worker hands it to no one else."""
    if not endpoint.active:
        raise Conflict(_inactive(endpoint))
    now = datetime.now(UTC)
    event = Event(
        uid=new_uid(),
        type=TEST_EVENT,
        entity="webhook_endpoint",
        entity_id=endpoint.id,
        data={"webhook_id": endpoint.id, "message": "A test from Frota"},
        occurred_at=now,
        dispatched_at=now,
    )
    session.add(event)
    session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id=event.id, status="pending", attempts=[]
    )
    delivery.next_attempt_at = now
    session.add(delivery)
    session.flush()
    return delivery


def retry_delivery(
    *, session: Session, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery:
    """Pending, failed (also one waiting for its next attempt) or dead: sent at the worker's next
    round. A delivered one is not sent again."""
    delivery = session.execute(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
        .with_for_update()
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} of webhook {endpoint.id} not found")
    if delivery.status == "delivered":
        raise Conflict(f"Delivery {delivery_id} was delivered already")
    if not endpoint.active:
        raise Conflict(_inactive(endpoint))
    delivery.status = "pending"
    delivery.next_attempt_at = datetime.now(UTC)
    session.flush()
    return delivery


def _inactive(endpoint: WebhookEndpoint) -> str:
    why = f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else ""
    return f"Webhook {endpoint.id} is disabled{why}: turn it on with PATCH active=true first"


# ---- the worker's side -------------------------------------------------------------------------

_ENQUEUE = text(
    """
    INSERT INTO webhook_deliveries (endpoint_id, event_id, status, next_attempt_at)
    SELECT endpoint.id, event.id, 'pending', now()
    FROM webhook_endpoints AS endpoint
    JOIN unnest(CAST(:ids AS bigint[]), CAST(:types AS text[])) AS event (id, type)
        ON event.type = ANY (endpoint.events)
    WHERE endpoint.active
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    """
)


def enqueue(session: Session, events: Iterable) -> int:
    """One pending delivery, due now, per event (anything with `id` and `type`: an `Event` or
    a row) and active endpoint subscribed to its type, in the caller's transaction. An event
    handed over again (a worker that died before it committed) makes no second delivery.
    Returns the deliveries made."""
    events = list(events)
    if not events:
        return 0
    result = session.execute(
        _ENQUEUE, {"ids": [e.id for e in events], "types": [e.type for e in events]}
    )
    return result.rowcount
