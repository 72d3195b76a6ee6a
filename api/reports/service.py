"""`/reports/costs`: fuel and service costs, km driven, litres, cost per km, km/l and fines, by
vehicle, by month or by driver, as one PostgreSQL query.

Two ratios, two rules (docs/api.md, Costs):
- cost per km is the costs in the period ÷ the km driven in it. km driven in a month is the
  vehicle's highest reading that month (trips, fill-ups, services) less its highest reading of
  the month before in the period (in the period's first month: less its lowest one); summed,
  they telescope to the period's highest less its lowest reading, so months add up.
- km/l is the fuel log's own: the km of the full-to-full segments closed in the period ÷ their
  litres, from the segment each full fill-up keeps (api/fuel/service.py, chain_km_per_liter). A
  segment belongs to the month (and driver) of the fill-up that closes it, whole, even when it
  opened before the period.
Every figure of a group is a sum over its facts, so a total is the sum of its groups."""

from datetime import date, datetime, timedelta, timezone

from api.local_time import offset_interval

COSTS_SQL = """
WITH readings AS (
    SELECT vehicle_id, start_odometer_km AS km, started_at AS at FROM trips
    WHERE started_at >= %(start)s AND started_at < %(end)s
    UNION ALL
    SELECT vehicle_id, end_odometer_km, finished_at FROM trips
    WHERE finished_at >= %(start)s AND finished_at < %(end)s
    UNION ALL
    SELECT vehicle_id, odometer_km, filled_at FROM fuel_entries
    WHERE filled_at >= %(start)s AND filled_at < %(end)s
    UNION ALL
    SELECT vehicle_id, odometer_km, performed_at FROM service_records
    WHERE performed_at >= %(start)s AND performed_at < %(end)s
), monthly_readings AS (
    SELECT vehicle_id, date_trunc('month', at AT TIME ZONE %(offset)s::interval)::date AS month,
           max(km) AS highest, min(km) AS lowest
    FROM readings GROUP BY 1, 2
), facts AS (
    -- one row per thing that happened: its vehicle, driver (if any), local month and figures
    SELECT 'fuel' AS source, vehicle_id, driver_id, filled_at AS at, total_price AS fuel_cost,
           0::numeric AS service_cost, liters, coalesce(segment_km, 0) AS segment_km,
           coalesce(segment_liters, 0) AS segment_liters, 0 AS km, 0 AS fines,
           0::numeric AS fines_amount, NULL::date AS month
    FROM fuel_entries WHERE filled_at >= %(start)s AND filled_at < %(end)s
    UNION ALL
    SELECT 'service', vehicle_id, NULL, performed_at, 0, total_cost, 0, 0, 0, 0, 0, 0, NULL
    FROM service_records WHERE performed_at >= %(start)s AND performed_at < %(end)s
    UNION ALL
    SELECT 'fine', vehicle_id, driver_id, occurred_at, 0, 0, 0, 0, 0, 0, 1, amount, NULL
    FROM fines WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
    UNION ALL
    -- the vehicle's km driven (by vehicle, by month): months add up to the period
    SELECT 'driven', vehicle_id, NULL, NULL, 0, 0, 0, 0, 0,
           highest - coalesce(lag(highest) OVER (PARTITION BY vehicle_id ORDER BY month), lowest),
           0, 0, month
    FROM monthly_readings
    UNION ALL
    -- a driver's km (by driver): their trips, each in the period in which it ended
    SELECT 'trip', vehicle_id, driver_id, finished_at, 0, 0, 0, 0, 0,
           end_odometer_km - start_odometer_km, 0, 0, NULL
    FROM trips WHERE finished_at >= %(start)s AND finished_at < %(end)s
), f AS (
    SELECT source, vehicle_id, driver_id, fuel_cost, service_cost, liters, segment_km,
           segment_liters, km, fines, fines_amount,
           coalesce(month, date_trunc('month', at AT TIME ZONE %(offset)s::interval)::date)
               AS month
    FROM facts WHERE source <> %(km_not_from)s
)
SELECT {key},
       round(coalesce(sum(fuel_cost), 0), 2) AS fuel_cost,
       round(coalesce(sum(service_cost), 0), 2) AS service_cost,
       round(coalesce(sum(fuel_cost + service_cost), 0), 2) AS total_cost,
       coalesce(sum(km), 0)::integer AS km,
       round(coalesce(sum(liters), 0), 3) AS liters,
       round(sum(fuel_cost + service_cost) / nullif(sum(km), 0), 2) AS cost_per_km,
       round(sum(segment_km) / nullif(sum(segment_liters), 0), 2) AS km_per_liter,
       coalesce(sum(fines), 0)::integer AS fines,
       round(coalesce(sum(fines_amount), 0), 2) AS fines_amount,
       GROUPING({grouping}) = 1 AS is_total
FROM f JOIN vehicles v ON v.id = f.vehicle_id LEFT JOIN drivers d ON d.id = f.driver_id
GROUP BY GROUPING SETS (({group}), ())
ORDER BY is_total, {order}
"""

_NO_DRIVER = "NULL::integer AS driver_id, NULL::text AS driver"
# The only text put into the SQL: one of these, chosen by `group_by` (never a request value).
# `km_not_from`: by vehicle and by month, km are the odometer's (not the trips'); by driver,
# the driver's trips (the odometer's km are no driver's).
GROUPS = {
    "vehicle": {
        "key": f"f.vehicle_id, v.plate, NULL::date AS month, {_NO_DRIVER}",
        "grouping": "f.vehicle_id",
        "group": "f.vehicle_id, v.plate",
        "order": "v.plate",
        "km_not_from": "trip",
    },
    "month": {
        "key": f"NULL::integer AS vehicle_id, NULL::text AS plate, f.month, {_NO_DRIVER}",
        "grouping": "f.month",
        "group": "f.month",
        "order": "f.month",
        "km_not_from": "trip",
    },
    "driver": {
        "key": "NULL::integer AS vehicle_id, NULL::text AS plate, NULL::date AS month, "
        "f.driver_id, d.name AS driver",
        "grouping": "f.driver_id",
        "group": "f.driver_id, d.name",
        "order": "d.name NULLS LAST, f.driver_id",
        "km_not_from": "driven",
    },
}
STATEMENTS = {
    name: COSTS_SQL.format(**{k: v for k, v in parts.items() if k != "km_not_from"})
    for name, parts in GROUPS.items()
}
FIGURES = (
    "fuel_cost",
    "service_cost",
    "total_cost",
    "km",
    "liters",
    "cost_per_km",
    "km_per_liter",
    "fines",
    "fines_amount",
)
WHOLE = ("km", "fines")


def period(start: date, end: date, offset: timezone) -> dict:
    """The bound values: local midnights of `start` and the day after `end` (inclusive)."""
    return {
        "start": datetime.combine(start, datetime.min.time(), offset),
        "end": datetime.combine(end + timedelta(days=1), datetime.min.time(), offset),
        "offset": offset_interval(offset),
    }


def bound(group_by: str, values: dict) -> dict:
    return {**values, "km_not_from": GROUPS[group_by]["km_not_from"]}


def shape(names: list[str], rows: list[tuple]) -> tuple[list[dict], dict]:
    """(groups, totals) from the statement's rows, numbers as JSON numbers."""
    rows = [dict(zip(names, row, strict=True)) for row in rows]
    groups = [row for row in rows if not row["is_total"]]
    totals = next(row for row in rows if row["is_total"])  # `GROUP BY ()`: always one row
    for row in rows:
        row.pop("is_total")
        for name in FIGURES:
            if row[name] is not None:
                row[name] = int(row[name]) if name in WHOLE else float(row[name])
    return groups, {name: totals[name] for name in FIGURES}


async def costs(connection, group_by: str, values: dict) -> tuple[list[dict], dict]:
    cursor = await connection.execute(STATEMENTS[group_by], bound(group_by, values), prepare=True)
    return shape([column.name for column in cursor.description], await cursor.fetchall())
