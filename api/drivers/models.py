from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin

LICENSE_CATEGORIES = ("A", "B", "C", "D", "E", "AB", "AC", "AD", "AE")


class Driver(TimestampMixin, Base):
    __tablename__ = "drivers"
    __table_args__ = (
        CheckConstraint("license_number ~ '^[0-9]{11}$'", name="license_number_format"),
        CheckConstraint(
            "license_category IN (" + ", ".join(f"'{c}'" for c in LICENSE_CATEGORIES) + ")",
            name="license_category_known",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    license_number: Mapped[str] = mapped_column(String(11), unique=True)
    license_category: Mapped[str] = mapped_column(String(2))
    license_expiry: Mapped[date] = mapped_column(Date, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
