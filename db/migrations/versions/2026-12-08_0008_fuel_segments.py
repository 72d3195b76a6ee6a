"""fuel entries keep the km and litres of the full-to-full segment they close

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The chain of api/fuel/service.py (chain_km_per_liter), once, for the entries already logged:
# a full fill-up closes the segment of the entries since the previous full one (partial ones
# included); a `missed_previous` in it, or no km, leaves it open (no km/l).
BACKFILL = """
WITH ordered AS (
    SELECT id, vehicle_id, full_tank, missed_previous, liters, odometer_km,
           coalesce(sum(full_tank::int) OVER (
               PARTITION BY vehicle_id ORDER BY filled_at, id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS segment
    FROM fuel_entries
), segments AS (
    SELECT vehicle_id, segment, sum(liters) AS liters, bool_or(missed_previous) AS broken
    FROM ordered GROUP BY vehicle_id, segment
), closing AS (
    SELECT o.id, s.liters, s.broken, o.segment,
           o.odometer_km - lag(o.odometer_km) OVER (
               PARTITION BY o.vehicle_id ORDER BY o.segment) AS km
    FROM ordered o JOIN segments s USING (vehicle_id, segment)
    WHERE o.full_tank
), complete AS (
    SELECT id, km, liters FROM closing WHERE segment > 0 AND NOT broken AND km > 0
)
UPDATE fuel_entries e
SET segment_km = c.km, segment_liters = c.liters, km_per_liter = round(c.km / c.liters, 2)
FROM (SELECT f.id, c.km, c.liters FROM fuel_entries f LEFT JOIN complete c USING (id)) AS c
WHERE c.id = e.id
"""


def upgrade() -> None:
    op.add_column("fuel_entries", sa.Column("segment_km", sa.Integer(), nullable=True))
    op.add_column(
        "fuel_entries", sa.Column("segment_liters", sa.Numeric(precision=9, scale=3), nullable=True)
    )
    op.execute(BACKFILL)
    op.create_check_constraint(
        op.f("ck_fuel_entries_segment_gives_km_per_liter"),
        "fuel_entries",
        "(segment_km IS NULL) = (km_per_liter IS NULL) "
        "AND (segment_liters IS NULL) = (km_per_liter IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_fuel_entries_segment_gives_km_per_liter"), "fuel_entries", type_="check"
    )
    op.drop_column("fuel_entries", "segment_liters")
    op.drop_column("fuel_entries", "segment_km")
