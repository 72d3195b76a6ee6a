"""photos and prune runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'odometer', 'damage', 'fuel_receipt', 'exterior', 'interior', 'document', 'other'"


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("original_path", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_path", sa.String(length=200), nullable=False),
        sa.Column("display_path", sa.String(length=200), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_photos_kind_known")),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_photos_sha256_hex")),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_photos_size_positive")),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_photos_dimensions_positive")),
        sa.CheckConstraint(
            "latitude IS NULL OR latitude BETWEEN -90 AND 90", name=op.f("ck_photos_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180",
            name=op.f("ck_photos_longitude_range"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_photos_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trips.id"], name=op.f("fk_photos_trip_id_trips"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_photos_uploaded_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("original_path", name=op.f("uq_photos_original_path")),
        sa.UniqueConstraint("thumbnail_path", name=op.f("uq_photos_thumbnail_path")),
        sa.UniqueConstraint("display_path", name=op.f("uq_photos_display_path")),
        sa.UniqueConstraint(
            "uploaded_by_user_id",
            "idempotency_key",
            name=op.f("uq_photos_uploaded_by_user_id_idempotency_key"),
        ),
    )
    op.create_index("ix_photos_vehicle_id_created_at", "photos", ["vehicle_id", "created_at"])
    op.create_index("ix_photos_trip_id_created_at", "photos", ["trip_id", "created_at"])
    op.create_index("ix_photos_created_at_id", "photos", ["created_at", "id"])
    op.create_index("ix_photos_taken_at", "photos", ["taken_at"])
    op.create_index("ix_photos_vehicle_id_sha256", "photos", ["vehicle_id", "sha256"])
    op.create_index(
        "ix_photos_prunable_created_at",
        "photos",
        ["created_at"],
        postgresql_where=sa.text("pruned_at IS NULL AND NOT legal_hold"),
    )

    op.create_table(
        "prune_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "finished_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("older_than_days", sa.Integer(), nullable=False),
        sa.Column("photos_pruned", sa.Integer(), nullable=False),
        sa.Column("bytes_freed", sa.BigInteger(), nullable=False),
        sa.Column("skipped_legal_hold", sa.Integer(), nullable=False),
        sa.Column("orphans_removed", sa.Integer(), nullable=False),
        sa.Column("rows_missing_files", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prune_runs")),
    )
    op.create_index(op.f("ix_prune_runs_finished_at"), "prune_runs", ["finished_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_prune_runs_finished_at"), table_name="prune_runs")
    op.drop_table("prune_runs")
    for name in (
        "ix_photos_prunable_created_at",
        "ix_photos_vehicle_id_sha256",
        "ix_photos_taken_at",
        "ix_photos_created_at_id",
        "ix_photos_trip_id_created_at",
        "ix_photos_vehicle_id_created_at",
    ):
        op.drop_index(name, table_name="photos")
    op.drop_table("photos")
