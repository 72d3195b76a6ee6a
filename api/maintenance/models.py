"""Maintenance: the service records of what was done, and the reminders of what is due."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin


class ServiceKind(StrEnum):
    preventive = "preventive"
    corrective = "corrective"
    tires = "tires"
    inspection = "inspection"
    other = "other"


SERVICE_KIND_VALUES = ", ".join(f"'{k}'" for k in ServiceKind)


class ServiceRecord(TimestampMixin, Base):
    __tablename__ = "service_records"
    __table_args__ = (
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        CheckConstraint("labor_cost >= 0", name="labor_not_negative"),
        CheckConstraint("total_cost >= labor_cost", name="total_covers_labor"),
        CheckConstraint(f"kind IN ({SERVICE_KIND_VALUES})", name="kind_known"),
        CheckConstraint("jsonb_typeof(items) = 'array'", name="items_is_a_list"),
        Index("ix_service_records_vehicle_id_performed_at", "vehicle_id", "performed_at"),
        Index("ix_service_records_performed_at_id", "performed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    odometer_km: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    vendor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    items: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    labor_cost: Mapped[Decimal] = mapped_column(Numeric(11, 2), server_default="0")
    total_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    photo_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    completes_reminder_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    # Defects come with the inspections; the field is here so that records can name them.
    resolves_defect_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Reminder(TimestampMixin, Base):
    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("every_km IS NOT NULL OR every_months IS NOT NULL", name="has_an_interval"),
        CheckConstraint("every_km IS NULL OR every_km > 0", name="every_km_positive"),
        CheckConstraint("every_months IS NULL OR every_months > 0", name="every_months_positive"),
        CheckConstraint("last_done_km IS NULL OR last_done_km >= 0", name="last_km_not_negative"),
        Index("ix_reminders_vehicle_id", "vehicle_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    every_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    every_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_done_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
