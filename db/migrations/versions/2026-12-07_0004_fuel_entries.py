"""fuel entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:13:12.002878
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fuel_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("odometer_km", sa.Integer(), nullable=False),
        sa.Column("liters", sa.Numeric(precision=9, scale=3), nullable=False),
        sa.Column("price_per_liter", sa.Numeric(precision=8, scale=3), nullable=False),
        sa.Column("total_price", sa.Numeric(precision=11, scale=2), nullable=False),
        sa.Column("fuel_type", sa.String(length=16), nullable=False),
        sa.Column("full_tank", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("missed_previous", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("station", sa.String(length=120), nullable=True),
        sa.Column("receipt_photo_id", sa.Integer(), nullable=True),
        sa.Column("km_per_liter", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
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
        sa.CheckConstraint(
            "fuel_type IN ('gasoline', 'ethanol', 'diesel', 'diesel_s10', 'cng', 'electric_kwh')",
            name=op.f("ck_fuel_entries_fuel_type_known"),
        ),
        sa.CheckConstraint(
            "km_per_liter IS NULL OR km_per_liter > 0",
            name=op.f("ck_fuel_entries_km_per_liter_positive"),
        ),
        sa.CheckConstraint("liters > 0", name=op.f("ck_fuel_entries_liters_positive")),
        sa.CheckConstraint("odometer_km >= 0", name=op.f("ck_fuel_entries_odometer_not_negative")),
        sa.CheckConstraint("price_per_liter >= 0", name=op.f("ck_fuel_entries_price_not_negative")),
        sa.CheckConstraint("total_price >= 0", name=op.f("ck_fuel_entries_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_fuel_entries_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_fuel_entries_driver_id_drivers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["receipt_photo_id"],
            ["photos.id"],
            name=op.f("fk_fuel_entries_receipt_photo_id_photos"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trip_id"],
            ["trips.id"],
            name=op.f("fk_fuel_entries_trip_id_trips"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fuel_entries_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fuel_entries")),
        sa.UniqueConstraint("receipt_photo_id", name=op.f("uq_fuel_entries_receipt_photo_id")),
    )
    op.create_index(
        "ix_fuel_entries_driver_id_filled_at",
        "fuel_entries",
        ["driver_id", "filled_at"],
        unique=False,
    )
    op.create_index(
        "ix_fuel_entries_filled_at_id", "fuel_entries", ["filled_at", "id"], unique=False
    )
    op.create_index("ix_fuel_entries_trip_id", "fuel_entries", ["trip_id"], unique=False)
    op.create_index(
        "ix_fuel_entries_vehicle_id_filled_at",
        "fuel_entries",
        ["vehicle_id", "filled_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_fuel_entries_vehicle_id_filled_at", table_name="fuel_entries")
    op.drop_index("ix_fuel_entries_trip_id", table_name="fuel_entries")
    op.drop_index("ix_fuel_entries_filled_at_id", table_name="fuel_entries")
    op.drop_index("ix_fuel_entries_driver_id_filled_at", table_name="fuel_entries")
    op.drop_table("fuel_entries")
