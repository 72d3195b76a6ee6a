"""service records and reminders

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:18:59.593059
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("every_km", sa.Integer(), nullable=True),
        sa.Column("every_months", sa.Integer(), nullable=True),
        sa.Column("last_done_km", sa.Integer(), nullable=True),
        sa.Column("last_done_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
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
            "every_km IS NOT NULL OR every_months IS NOT NULL",
            name=op.f("ck_reminders_has_an_interval"),
        ),
        sa.CheckConstraint(
            "every_km IS NULL OR every_km > 0", name=op.f("ck_reminders_every_km_positive")
        ),
        sa.CheckConstraint(
            "every_months IS NULL OR every_months > 0",
            name=op.f("ck_reminders_every_months_positive"),
        ),
        sa.CheckConstraint(
            "last_done_km IS NULL OR last_done_km >= 0",
            name=op.f("ck_reminders_last_km_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_reminders_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_vehicle_id", "reminders", ["vehicle_id"], unique=False)
    op.create_table(
        "service_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("odometer_km", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("vendor", sa.String(length=120), nullable=True),
        sa.Column(
            "items",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "labor_cost", sa.Numeric(precision=11, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "total_cost", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "photo_ids",
            sa.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
        sa.Column(
            "completes_reminder_ids",
            sa.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
        sa.Column(
            "resolves_defect_ids",
            sa.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
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
            "jsonb_typeof(items) = 'array'", name=op.f("ck_service_records_items_is_a_list")
        ),
        sa.CheckConstraint(
            "kind IN ('preventive', 'corrective', 'tires', 'inspection', 'other')",
            name=op.f("ck_service_records_kind_known"),
        ),
        sa.CheckConstraint("labor_cost >= 0", name=op.f("ck_service_records_labor_not_negative")),
        sa.CheckConstraint(
            "odometer_km >= 0", name=op.f("ck_service_records_odometer_not_negative")
        ),
        sa.CheckConstraint(
            "total_cost >= labor_cost", name=op.f("ck_service_records_total_covers_labor")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_service_records_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_service_records_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
    )
    op.create_index(
        "ix_service_records_performed_at_id",
        "service_records",
        ["performed_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_service_records_vehicle_id_performed_at",
        "service_records",
        ["vehicle_id", "performed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_service_records_vehicle_id_performed_at", table_name="service_records")
    op.drop_index("ix_service_records_performed_at_id", table_name="service_records")
    op.drop_table("service_records")
    op.drop_index("ix_reminders_vehicle_id", table_name="reminders")
    op.drop_table("reminders")
