"""Traffic fines, and the driver Frota names for each from who had the vehicle at the time."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin


class Identification(StrEnum):
    identified = "identified"
    no_trip = "no_trip"
    ambiguous = "ambiguous"


class FineStatus(StrEnum):
    open = "open"
    driver_named = "driver_named"
    paid = "paid"
    contested = "contested"


def _values(enum) -> str:
    return ", ".join(f"'{k.value}'" for k in enum)


# The company names the driver within 30 days of the notice (CTB art. 257 § 7).
IDENTIFICATION_DAYS = 30


class Fine(TimestampMixin, Base):
    __tablename__ = "fines"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("points IS NULL OR points BETWEEN 0 AND 40", name="points_plausible"),
        CheckConstraint(
            f"identification IN ({_values(Identification)})", name="identification_known"
        ),
        CheckConstraint(f"status IN ({_values(FineStatus)})", name="status_known"),
        CheckConstraint(
            "identification <> 'identified' OR driver_id IS NOT NULL", name="identified_has_driver"
        ),
        Index("ix_fines_vehicle_id_occurred_at", "vehicle_id", "occurred_at"),
        Index("ix_fines_driver_id_occurred_at", "driver_id", "occurred_at"),
        Index("ix_fines_occurred_at_id", "occurred_at", "id"),
        Index("ix_fines_status_due_on", "status", "due_on"),
        Index("ix_fines_status_identification_deadline", "status", "identification_deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    infraction_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(11, 2))
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="RESTRICT"), nullable=True
    )
    identification: Mapped[str] = mapped_column(String(16))
    candidate_driver_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    identification_deadline: Mapped[date | None] = mapped_column(
        Date, Computed(f"notice_received_on + {IDENTIFICATION_DAYS}", persisted=True), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
