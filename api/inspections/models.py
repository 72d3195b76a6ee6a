"""Inspections (a walk around the vehicle against a template's checklist, immutable once made)
and the defects their failed items open."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin


class Phase(StrEnum):
    check_out = "check_out"
    check_in = "check_in"
    periodic = "periodic"


class ItemResult(StrEnum):
    passed = "pass"
    failed = "fail"
    na = "na"


class Severity(StrEnum):
    critical = "critical"
    minor = "minor"


class DefectStatus(StrEnum):
    open = "open"
    in_repair = "in_repair"
    resolved = "resolved"
    dismissed = "dismissed"


UNRESOLVED = (DefectStatus.open.value, DefectStatus.in_repair.value)


def _values(enum) -> str:
    return ", ".join(f"'{k.value}'" for k in enum)


class InspectionTemplate(TimestampMixin, Base):
    __tablename__ = "inspection_templates"
    __table_args__ = (CheckConstraint("jsonb_typeof(items) = 'array'", name="items_is_a_list"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    items: Mapped[list] = mapped_column(JSONB)
    required_at_check_out: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(f"phase IN ({_values(Phase)})", name="phase_known"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        CheckConstraint("jsonb_typeof(results) = 'array'", name="results_is_a_list"),
        Index("ix_inspections_vehicle_id_performed_at", "vehicle_id", "performed_at"),
        Index(
            "ix_inspections_vehicle_id_template_id_performed_at",
            "vehicle_id",
            "template_id",
            "performed_at",
        ),
        Index("ix_inspections_performed_at_id", "performed_at", "id"),
        Index("ix_inspections_driver_id_performed_at", "driver_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="RESTRICT"), nullable=True
    )
    trip_id: Mapped[int | None] = mapped_column(
        ForeignKey("trips.id", ondelete="RESTRICT"), nullable=True
    )
    template_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_templates.id", ondelete="RESTRICT")
    )
    phase: Mapped[str] = mapped_column(String(16))
    odometer_km: Mapped[int] = mapped_column(Integer)
    performed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    results: Mapped[list] = mapped_column(JSONB)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Defect(TimestampMixin, Base):
    __tablename__ = "defects"
    __table_args__ = (
        CheckConstraint(f"severity IN ({_values(Severity)})", name="severity_known"),
        CheckConstraint(f"status IN ({_values(DefectStatus)})", name="status_known"),
        CheckConstraint(
            "resolved_by_service_record_id IS NULL OR status = 'resolved'",
            name="resolved_by_a_record_is_resolved",
        ),
        Index("ix_defects_vehicle_id_status", "vehicle_id", "status"),
        Index("ix_defects_status_id", "status", "id"),
        Index("ix_defects_inspection_id", "inspection_id"),
        # What blocks a check-out: the vehicle's unresolved critical defects.
        Index(
            "ix_defects_unresolved_critical",
            "vehicle_id",
            postgresql_where=text("severity = 'critical' AND status IN ('open', 'in_repair')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="RESTRICT"), nullable=True
    )
    item_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    description: Mapped[str] = mapped_column(String(2000))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    resolved_by_service_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_records.id", ondelete="RESTRICT"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
