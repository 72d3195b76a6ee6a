from enum import StrEnum

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin

PLATE_PATTERN = r"^[A-Z]{3}[0-9][A-Z0-9][0-9]{2}$"


class VehicleStatus(StrEnum):
    available = "available"
    in_use = "in_use"
    maintenance = "maintenance"
    retired = "retired"


class Vehicle(TimestampMixin, Base):
    __tablename__ = "vehicles"
    __table_args__ = (
        CheckConstraint(f"plate ~ '{PLATE_PATTERN}'", name="plate_format"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        CheckConstraint("year BETWEEN 1900 AND 2100", name="year_plausible"),
        CheckConstraint(
            "status IN ('available', 'in_use', 'maintenance', 'retired')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(7), unique=True)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    odometer_km: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(
        String(16), default="available", server_default="available", index=True
    )
