"""Documents of vehicles (CRLV, insurance, IPVA) and drivers (toxicology exams), with expiry."""

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin


class DocumentKind(StrEnum):
    crlv = "crlv"
    insurance = "insurance"
    ipva = "ipva"
    toxicology = "toxicology"
    other = "other"


VEHICLE_KINDS = {DocumentKind.crlv, DocumentKind.insurance, DocumentKind.ipva}
DRIVER_KINDS = {DocumentKind.toxicology}
KIND_VALUES = ", ".join(f"'{k}'" for k in DocumentKind)


class Document(TimestampMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("(vehicle_id IS NULL) <> (driver_id IS NULL)", name="one_owner"),
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_known"),
        CheckConstraint(
            "kind NOT IN ('crlv', 'insurance', 'ipva') OR vehicle_id IS NOT NULL",
            name="vehicle_kinds_on_vehicles",
        ),
        CheckConstraint("kind <> 'toxicology' OR driver_id IS NOT NULL", name="exams_on_drivers"),
        CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
            name="expires_after_issue",
        ),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        Index("ix_documents_vehicle_id_kind", "vehicle_id", "kind"),
        Index("ix_documents_driver_id_kind", "driver_id", "kind"),
        Index("ix_documents_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=True
    )
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(11, 2), nullable=True)
    photo_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
