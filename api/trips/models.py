from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class Trip(Base):
    __tablename__ = "trips"
    __table_args__ = (
        CheckConstraint("start_odometer_km >= 0", name="start_odometer_not_negative"),
        CheckConstraint(
            "end_odometer_km IS NULL OR end_odometer_km >= start_odometer_km",
            name="end_odometer_not_below_start",
        ),
        CheckConstraint(
            "(finished_at IS NULL) = (end_odometer_km IS NULL)", name="finished_has_end_odometer"
        ),
        CheckConstraint(
            "finished_at IS NULL OR finished_at >= started_at", name="finish_after_start"
        ),
        # At most one open trip per vehicle and per driver, whatever races in Python.
        Index(
            "uq_trips_open_per_vehicle",
            "vehicle_id",
            unique=True,
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index(
            "uq_trips_open_per_driver",
            "driver_id",
            unique=True,
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_trips_started_at_id", "started_at", "id"),
        Index("ix_trips_vehicle_id_started_at", "vehicle_id", "started_at"),
        Index("ix_trips_driver_id_started_at", "driver_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="RESTRICT"))
    start_odometer_km: Mapped[int] = mapped_column(Integer)
    end_odometer_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(500), nullable=True)
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
