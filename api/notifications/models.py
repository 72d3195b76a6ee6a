"""Who wants to be told what, and how (`notification_preferences`: no row is the defaults), and
what each person has been told (`sent_notifications`): its unique key makes "never the same
item in the same state twice" a constraint of the database, so a second run, or two at once,
send nothing more."""

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
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin

LANGUAGES = ("pt-BR", "en")
DEFAULT_DIGEST_HOUR = 7


class NotificationPreferences(TimestampMixin, Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour_of_day"),
        CheckConstraint("language IN ('pt-BR', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    immediate: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # The hour of the fleet's day (EXIF_DEFAULT_OFFSET) the digest is sent.
    digest_hour: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_DIGEST_HOUR, server_default=str(DEFAULT_DIGEST_HOUR)
    )
    language: Mapped[str] = mapped_column(String(5), default="pt-BR", server_default="pt-BR")
    # Apprise URLs (they hold the services' tokens: write-only in the API, secret in the log).
    push_urls: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def default_preferences(user_id: int) -> NotificationPreferences:
    """What someone who set nothing has: the columns' defaults, in a row never saved."""
    return NotificationPreferences(
        user_id=user_id,
        email=True,
        immediate=True,
        digest_hour=DEFAULT_DIGEST_HOUR,
        language="pt-BR",
        push_urls=[],
        last_digest_at=None,
    )


class SentNotification(Base):
    """One message (or one due event) about one item in one state: `ref` names the item
    (`reminder:12`, `cnh:4`), `state` its due state (`overdue@2026-12-01`), `period` the repeat
    it belongs to ("" the first time, an ISO week `2026-W50` for an overdue item's weekly
    repeat, `30`/`7`/`1` for a CNH's warnings). `error` is set when the delivery failed."""

    __tablename__ = "sent_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "channel", "ref", "state", "period", name="uq_sent_once"),
        # The events (channel "webhook") are nobody's: once per item and state, fleet-wide.
        Index(
            "uq_sent_event_once",
            "channel",
            "ref",
            "state",
            "period",
            unique=True,
            postgresql_where=text("user_id IS NULL"),
        ),
        CheckConstraint("channel IN ('email', 'push', 'webhook')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(16), server_default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
