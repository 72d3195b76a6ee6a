"""notification preferences, and what each person has been told (sent_notifications)

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-08 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("immediate", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("digest_hour", sa.Integer(), server_default="7", nullable=False),
        sa.Column("language", sa.String(length=5), server_default="pt-BR", nullable=False),
        sa.Column(
            "push_urls",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
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
            "digest_hour BETWEEN 0 AND 23",
            name=op.f("ck_notification_preferences_digest_hour_of_day"),
        ),
        sa.CheckConstraint(
            "language IN ('pt-BR', 'en')", name=op.f("ck_notification_preferences_language_known")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", name=op.f("uq_notification_preferences_user_id")),
    )
    op.create_table(
        "sent_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=16), server_default="", nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'push', 'webhook')",
            name=op.f("ck_sent_notifications_channel_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sent_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_notifications")),
        sa.UniqueConstraint("user_id", "channel", "ref", "state", "period", name="uq_sent_once"),
    )
    op.create_index(
        "uq_sent_event_once",
        "sent_notifications",
        ["channel", "ref", "state", "period"],
        unique=True,
        postgresql_where=sa.text("user_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_sent_event_once", table_name="sent_notifications")
    op.drop_table("sent_notifications")
    op.drop_table("notification_preferences")
