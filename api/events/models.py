"""The outbox: one row per event, written in the same transaction as the change that caused it
(a rolled-back change leaves none). `frota worker` hands each to the webhook endpoints and the
notifications that want it, then marks it dispatched; nothing else reads or changes a row."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        # The worker's one question: what has not been dispatched yet, oldest first.
        Index(
            "ix_events_undispatched",
            "id",
            postgresql_where=text("dispatched_at IS NULL"),
        ),
        Index("ix_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The webhook-id every endpoint receives for this event, on every attempt (Standard Webhooks).
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The resource as the API returns it, at the moment of the change.
    data: Mapped[dict] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
