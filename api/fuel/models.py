"""Fuel entries: what was bought, when, at which odometer reading, and the km/l it gives."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin


class FuelType(StrEnum):
    gasoline = "gasoline"
    ethanol = "ethanol"
    diesel = "diesel"
    diesel_s10 = "diesel_s10"
    cng = "cng"
    electric_kwh = "electric_kwh"


FUEL_TYPE_VALUES = ", ".join(f"'{k}'" for k in FuelType)


class FuelEntry(TimestampMixin, Base):
    __tablename__ = "fuel_entries"
    __table_args__ = (
        CheckConstraint("liters > 0", name="liters_positive"),
        CheckConstraint("price_per_liter >= 0", name="price_not_negative"),
        CheckConstraint("total_price >= 0", name="total_not_negative"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        CheckConstraint("km_per_liter IS NULL OR km_per_liter > 0", name="km_per_liter_positive"),
        CheckConstraint(
            "(segment_km IS NULL) = (km_per_liter IS NULL) "
            "AND (segment_liters IS NULL) = (km_per_liter IS NULL)",
            name="segment_gives_km_per_liter",
        ),
        CheckConstraint(f"fuel_type IN ({FUEL_TYPE_VALUES})", name="fuel_type_known"),
        Index("ix_fuel_entries_vehicle_id_filled_at", "vehicle_id", "filled_at"),
        Index("ix_fuel_entries_driver_id_filled_at", "driver_id", "filled_at"),
        Index("ix_fuel_entries_filled_at_id", "filled_at", "id"),
        Index("ix_fuel_entries_trip_id", "trip_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="RESTRICT"), nullable=True
    )
    trip_id: Mapped[int | None] = mapped_column(
        ForeignKey("trips.id", ondelete="RESTRICT"), nullable=True
    )
    filled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    odometer_km: Mapped[int] = mapped_column(Integer)
    liters: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    price_per_liter: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    total_price: Mapped[Decimal] = mapped_column(Numeric(11, 2))
    fuel_type: Mapped[str] = mapped_column(String(16))
    full_tank: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    missed_previous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    station: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # One receipt, one entry: a retried POST cannot log the same fill-up twice.
    receipt_photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    # The full-to-full segment this fill-up closes (api/fuel/service.py, chain_km_per_liter): its
    # km and the litres bought in it; km_per_liter is their ratio, and /reports/costs sums them.
    segment_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    segment_liters: Mapped[Decimal | None] = mapped_column(Numeric(9, 3), nullable=True)
    km_per_liter: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
