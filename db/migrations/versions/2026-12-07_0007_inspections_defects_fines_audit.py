"""inspections defects fines and the audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:45:28.797936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_TABLES = ("audit_log", "inspections")
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_actor_id_at", "audit_log", ["actor_id", "at"], unique=False)
    op.create_index("ix_audit_log_at_id", "audit_log", ["at", "id"], unique=False)
    op.create_index(
        "ix_audit_log_entity_entity_id_at", "audit_log", ["entity", "entity_id", "at"], unique=False
    )
    op.create_table(
        "inspection_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("required_at_check_out", sa.Boolean(), server_default="false", nullable=False),
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
            "jsonb_typeof(items) = 'array'", name=op.f("ck_inspection_templates_items_is_a_list")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_inspection_templates_name")),
    )
    op.create_table(
        "fines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("infraction_code", sa.String(length=20), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("amount", sa.Numeric(precision=11, scale=2), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("notice_received_on", sa.Date(), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("identification", sa.String(length=16), nullable=False),
        sa.Column(
            "candidate_driver_ids",
            sa.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
        sa.Column(
            "identification_deadline",
            sa.Date(),
            sa.Computed("notice_received_on + 30", persisted=True),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
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
            "identification <> 'identified' OR driver_id IS NOT NULL",
            name=op.f("ck_fines_identified_has_driver"),
        ),
        sa.CheckConstraint(
            "identification IN ('identified', 'no_trip', 'ambiguous')",
            name=op.f("ck_fines_identification_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'driver_named', 'paid', 'contested')",
            name=op.f("ck_fines_status_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fines_amount_not_negative")),
        sa.CheckConstraint(
            "points IS NULL OR points BETWEEN 0 AND 40", name=op.f("ck_fines_points_plausible")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_fines_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_fines_driver_id_drivers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fines_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fines")),
    )
    op.create_index(
        "ix_fines_driver_id_occurred_at", "fines", ["driver_id", "occurred_at"], unique=False
    )
    op.create_index("ix_fines_occurred_at_id", "fines", ["occurred_at", "id"], unique=False)
    op.create_index("ix_fines_status_due_on", "fines", ["status", "due_on"], unique=False)
    op.create_index(
        "ix_fines_status_identification_deadline",
        "fines",
        ["status", "identification_deadline"],
        unique=False,
    )
    op.create_index(
        "ix_fines_vehicle_id_occurred_at", "fines", ["vehicle_id", "occurred_at"], unique=False
    )
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("odometer_km", sa.Integer(), nullable=False),
        sa.Column(
            "performed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "jsonb_typeof(results) = 'array'", name=op.f("ck_inspections_results_is_a_list")
        ),
        sa.CheckConstraint(
            "phase IN ('check_out', 'check_in', 'periodic')",
            name=op.f("ck_inspections_phase_known"),
        ),
        sa.CheckConstraint("odometer_km >= 0", name=op.f("ck_inspections_odometer_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_inspections_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_inspections_driver_id_drivers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["inspection_templates.id"],
            name=op.f("fk_inspections_template_id_inspection_templates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trip_id"],
            ["trips.id"],
            name=op.f("fk_inspections_trip_id_trips"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_inspections_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index(
        "ix_inspections_driver_id_performed_at",
        "inspections",
        ["driver_id", "performed_at"],
        unique=False,
    )
    op.create_index(
        "ix_inspections_performed_at_id", "inspections", ["performed_at", "id"], unique=False
    )
    op.create_index(
        "ix_inspections_vehicle_id_performed_at",
        "inspections",
        ["vehicle_id", "performed_at"],
        unique=False,
    )
    op.create_index(
        "ix_inspections_vehicle_id_template_id_performed_at",
        "inspections",
        ["vehicle_id", "template_id", "performed_at"],
        unique=False,
    )
    op.create_table(
        "defects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("item_key", sa.String(length=60), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolved_by_service_record_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
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
            "resolved_by_service_record_id IS NULL OR status = 'resolved'",
            name=op.f("ck_defects_resolved_by_a_record_is_resolved"),
        ),
        sa.CheckConstraint(
            "severity IN ('critical', 'minor')", name=op.f("ck_defects_severity_known")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_repair', 'resolved', 'dismissed')",
            name=op.f("ck_defects_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_defects_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_defects_inspection_id_inspections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_service_record_id"],
            ["service_records.id"],
            name=op.f("fk_defects_resolved_by_service_record_id_service_records"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_defects_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defects")),
    )
    op.create_index("ix_defects_inspection_id", "defects", ["inspection_id"], unique=False)
    op.create_index("ix_defects_status_id", "defects", ["status", "id"], unique=False)
    op.create_index(
        "ix_defects_unresolved_critical",
        "defects",
        ["vehicle_id"],
        unique=False,
        postgresql_where=sa.text("severity = 'critical' AND status IN ('open', 'in_repair')"),
    )
    op.create_index(
        "ix_defects_vehicle_id_status", "defects", ["vehicle_id", "status"], unique=False
    )

    # The audit log and the inspections are append-only in the database itself: the app's role
    # (or anyone short of disabling the triggers as the table's owner) cannot change them.
    op.execute(APPEND_ONLY_FUNCTION)
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")


def downgrade() -> None:
    op.drop_index("ix_defects_vehicle_id_status", table_name="defects")
    op.drop_index(
        "ix_defects_unresolved_critical",
        table_name="defects",
        postgresql_where=sa.text("severity = 'critical' AND status IN ('open', 'in_repair')"),
    )
    op.drop_index("ix_defects_status_id", table_name="defects")
    op.drop_index("ix_defects_inspection_id", table_name="defects")
    op.drop_table("defects")
    op.drop_index("ix_inspections_vehicle_id_template_id_performed_at", table_name="inspections")
    op.drop_index("ix_inspections_vehicle_id_performed_at", table_name="inspections")
    op.drop_index("ix_inspections_performed_at_id", table_name="inspections")
    op.drop_index("ix_inspections_driver_id_performed_at", table_name="inspections")
    op.drop_table("inspections")
    op.drop_index("ix_fines_vehicle_id_occurred_at", table_name="fines")
    op.drop_index("ix_fines_status_identification_deadline", table_name="fines")
    op.drop_index("ix_fines_status_due_on", table_name="fines")
    op.drop_index("ix_fines_occurred_at_id", table_name="fines")
    op.drop_index("ix_fines_driver_id_occurred_at", table_name="fines")
    op.drop_table("fines")
    op.drop_table("inspection_templates")
    op.drop_index("ix_audit_log_entity_entity_id_at", table_name="audit_log")
    op.drop_index("ix_audit_log_at_id", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_id_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION append_only()")
