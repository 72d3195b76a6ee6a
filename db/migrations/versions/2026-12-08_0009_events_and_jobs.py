"""the events outbox, and procrastinate's job tables for `frota worker`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Everything procrastinate's schema creates is named procrastinate_* (tables, types, functions,
# procedures, triggers); the downgrade drops them by that name.
DROP_PROCRASTINATE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS sig, p.prokind FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                       CASE WHEN r.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, r.sig);
    END LOOP;
END $$;
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def _run_script(sql: str) -> None:
    """A script of many statements, on psycopg's own connection with no parameters (so that its
    `%` characters are not taken for placeholders), inside the migration's transaction."""
    op.get_bind().connection.driver_connection.execute(sql)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_events_uid")),
    )
    op.create_index(
        "ix_events_undispatched",
        "events",
        ["id"],
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    # procrastinate's own schema for the version pinned in requirements.lock; a later version's
    # migrations (procrastinate.schema.SchemaManager.get_migrations_path()) go in a migration
    # of ours with the upgrade that needs them.
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    _run_script(DROP_PROCRASTINATE)
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.drop_index("ix_events_undispatched", table_name="events")
    op.drop_table("events")
