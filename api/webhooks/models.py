"""Webhook endpoints (admins' integrations) and the deliveries of events to them.

A delivery is one event for one endpoint: `pending` (never tried, or sent again by hand),
`failed` (the last attempt failed; the next one at `next_attempt_at`), `delivered` or `dead`
(no attempt left, or the receiver answered 410). `attempts` is its history."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin

DELIVERY_STATUSES = ("pending", "failed", "delivered", "dead")
# The sender's question: which deliveries are due (tried by the worker every few seconds).
DUE_STATUSES = ("pending", "failed")


class WebhookEndpoint(TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (CheckConstraint("cardinality(events) >= 1", name="events_not_empty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), server_default="")
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # `whsec_` and base64 of 24 random bytes (Standard Webhooks); shown only when made.
    secret: Mapped[str] = mapped_column(String(100))
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The first failure since the last success: 5 days of failures disable the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebhookDelivery(TimestampMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint(
            "status IN ('pending', 'failed', 'delivered', 'dead')", name="status_known"
        ),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'failed')"),
        ),
        # An endpoint's deliveries, newest first (GET /webhooks/{id}/deliveries).
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    # [{at, status_code, error, duration_ms}], oldest first.
    attempts: Mapped[list[dict]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
