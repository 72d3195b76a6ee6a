"""documents and calendar feed tokens

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 01:24:07.150194
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=11, scale=2), nullable=True),
        sa.Column(
            "photo_ids",
            sa.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
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
            "kind <> 'toxicology' OR driver_id IS NOT NULL",
            name=op.f("ck_documents_exams_on_drivers"),
        ),
        sa.CheckConstraint(
            "kind IN ('crlv', 'insurance', 'ipva', 'toxicology', 'other')",
            name=op.f("ck_documents_kind_known"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('crlv', 'insurance', 'ipva') OR vehicle_id IS NOT NULL",
            name=op.f("ck_documents_vehicle_kinds_on_vehicles"),
        ),
        sa.CheckConstraint(
            "(vehicle_id IS NULL) <> (driver_id IS NULL)", name=op.f("ck_documents_one_owner")
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_documents_amount_not_negative")
        ),
        sa.CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
            name=op.f("ck_documents_expires_after_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_documents_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_documents_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index("ix_documents_driver_id_kind", "documents", ["driver_id", "kind"], unique=False)
    op.create_index("ix_documents_expires_on", "documents", ["expires_on"], unique=False)
    op.create_index(
        "ix_documents_vehicle_id_kind", "documents", ["vehicle_id", "kind"], unique=False
    )
    op.add_column("users", sa.Column("feed_token_hash", sa.String(length=64), nullable=True))
    op.create_unique_constraint(op.f("uq_users_feed_token_hash"), "users", ["feed_token_hash"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_users_feed_token_hash"), "users", type_="unique")
    op.drop_column("users", "feed_token_hash")
    op.drop_index("ix_documents_vehicle_id_kind", table_name="documents")
    op.drop_index("ix_documents_expires_on", table_name="documents")
    op.drop_index("ix_documents_driver_id_kind", table_name="documents")
    op.drop_table("documents")
