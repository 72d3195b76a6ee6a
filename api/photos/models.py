"""Photos taken on the road, and the record of each pruning run."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
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


class PhotoKind(StrEnum):
    odometer = "odometer"
    damage = "damage"
    fuel_receipt = "fuel_receipt"
    exterior = "exterior"
    interior = "interior"
    document = "document"
    other = "other"


KIND_VALUES = ", ".join(f"'{k}'" for k in PhotoKind)


class Photo(TimestampMixin, Base):
    """A photo's facts and where its files are; the row outlives the files when pruned."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_known"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"
        ),
        # A retry with the same Idempotency-Key from the same user finds the first photo.
        UniqueConstraint("uploaded_by_user_id", "idempotency_key"),
        # Lists: per vehicle or per trip, newest first; all photos newest first.
        Index("ix_photos_vehicle_id_created_at", "vehicle_id", "created_at"),
        Index("ix_photos_trip_id_created_at", "trip_id", "created_at"),
        Index("ix_photos_created_at_id", "created_at", "id"),
        Index("ix_photos_taken_at", "taken_at"),
        # The same bytes for the same vehicle are looked up before storing them again.
        Index("ix_photos_vehicle_id_sha256", "vehicle_id", "sha256"),
        # Pruning scans only what it may prune.
        Index(
            "ix_photos_prunable_created_at",
            "created_at",
            postgresql_where=text("pruned_at IS NULL AND NOT legal_hold"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    trip_id: Mapped[int | None] = mapped_column(
        ForeignKey("trips.id", ondelete="RESTRICT"), nullable=True
    )
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    # Paths relative to UPLOAD_DIR, made by the server (never the client's filename).
    original_path: Mapped[str] = mapped_column(String(200), unique=True)
    thumbnail_path: Mapped[str] = mapped_column(String(200), unique=True)
    # A JPEG rendition for browsers when the original is HEIC/HEIF; None otherwise.
    display_path: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Set when pruning deleted the files; the row stays as the record.
    pruned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)

    @property
    def file_paths(self) -> list[str]:
        """Every file of this photo, relative to UPLOAD_DIR."""
        paths = [self.original_path, self.thumbnail_path, self.display_path]
        return [path for path in paths if path]


class PruneRun(Base):
    """One `frota prune-photos` run that changed something (dry runs are not recorded)."""

    __tablename__ = "prune_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    older_than_days: Mapped[int] = mapped_column(Integer)
    photos_pruned: Mapped[int] = mapped_column(Integer, default=0)
    bytes_freed: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped_legal_hold: Mapped[int] = mapped_column(Integer, default=0)
    orphans_removed: Mapped[int] = mapped_column(Integer, default=0)
    rows_missing_files: Mapped[int] = mapped_column(Integer, default=0)


class VerifyRun(Base):
    """One `frota verify` run: how many photos it checked and how many problems it found."""

    __tablename__ = "verify_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    photos_checked: Mapped[int] = mapped_column(Integer)
    problems: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
