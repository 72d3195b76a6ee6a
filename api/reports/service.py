"""`/reports/costs`: fuel and service costs, km driven, litres, cost per km and km/l, by vehicle
or by month, as one PostgreSQL query.

km driven in a month is the vehicle's highest reading that month (trips, fill-ups, services)
less its highest reading of the month before in the period (in the period's first month: less
its lowest one); summed, they telescope to the period's highest less its lowest reading. km/l
is km driven ÷ litres bought in the period, counting only the vehicles with fuel logged in it."""

from datetime import date, datetime, timedelta, timezone

from api.local_time import offset_interval

COSTS_SQL = """
WITH entries AS (
    SELECT vehicle_id,
           date_trunc('month', filled_at AT TIME ZONE %(offset)s::interval)::date AS month,
           total_price AS fuel_cost, liters, 0::numeric AS service_cost
    FROM fuel_entries WHERE filled_at >= %(start)s AND filled_at < %(end)s
    UNION ALL
    SELECT vehicle_id, date_trunc('month', performed_at AT TIME ZONE %(offset)s::interval)::date,
           0, 0, total_cost
    FROM service_records WHERE performed_at >= %(start)s AND performed_at < %(end)s
), readings AS (
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
), driven AS (
    SELECT vehicle_id, month,
           highest - coalesce(lag(highest) OVER (PARTITION BY vehicle_id ORDER BY month), lowest)
               AS km
    FROM monthly_readings
), spent AS (
    SELECT vehicle_id, month, sum(fuel_cost) AS fuel_cost, sum(service_cost) AS service_cost,
           sum(liters) AS liters
    FROM entries GROUP BY 1, 2
), per_vehicle_month AS (
    SELECT vehicle_id, month, coalesce(fuel_cost, 0) AS fuel_cost,
           coalesce(service_cost, 0) AS service_cost, coalesce(liters, 0) AS liters,
           coalesce(km, 0) AS km,
           -- km/l counts only the vehicles whose fuel is logged in the period
           bool_or(coalesce(liters, 0) > 0) OVER (PARTITION BY vehicle_id) AS fuelled
    FROM spent FULL JOIN driven USING (vehicle_id, month)
)
SELECT {key},
       round(coalesce(sum(fuel_cost), 0), 2) AS fuel_cost,
       round(coalesce(sum(service_cost), 0), 2) AS service_cost,
       round(coalesce(sum(fuel_cost + service_cost), 0), 2) AS total_cost,
       coalesce(sum(km), 0)::integer AS km,
       round(coalesce(sum(liters), 0), 3) AS liters,
       round(sum(fuel_cost + service_cost) / nullif(sum(km), 0), 2) AS cost_per_km,
       round(sum(km) FILTER (WHERE fuelled) / nullif(sum(liters), 0), 2) AS km_per_liter,
       GROUPING({grouping}) = 1 AS is_total
FROM per_vehicle_month p JOIN vehicles v ON v.id = p.vehicle_id
GROUP BY GROUPING SETS (({group}), ())
ORDER BY is_total, {order}
"""

# The only text put into the SQL: one of these, chosen by `group_by` (never a request value).
GROUPS = {
    "vehicle": {
        "key": "p.vehicle_id, v.plate, NULL::date AS month",
        "grouping": "p.vehicle_id",
        "group": "p.vehicle_id, v.plate",
        "order": "v.plate",
    },
    "month": {
        "key": "NULL::integer AS vehicle_id, NULL::text AS plate, p.month",
        "grouping": "p.month",
        "group": "p.month",
        "order": "p.month",
    },
}
STATEMENTS = {name: COSTS_SQL.format(**parts) for name, parts in GROUPS.items()}
FIGURES = (
    "fuel_cost",
    "service_cost",
    "total_cost",
    "km",
    "liters",
    "cost_per_km",
    "km_per_liter",
)


def period(start: date, end: date, offset: timezone) -> dict:
    """The bound values: local midnights of `start` and the day after `end` (inclusive)."""
    return {
        "start": datetime.combine(start, datetime.min.time(), offset),
        "end": datetime.combine(end + timedelta(days=1), datetime.min.time(), offset),
        "offset": offset_interval(offset),
    }


async def costs(connection, group_by: str, values: dict) -> tuple[list[dict], dict]:
    cursor = await connection.execute(STATEMENTS[group_by], values, prepare=True)
    names = [column.name for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
    groups = [row for row in rows if not row["is_total"]]
    totals = next(row for row in rows if row["is_total"])
    for row in rows:
        row.pop("is_total")
        for name in FIGURES:
            if row[name] is not None:
                row[name] = float(row[name]) if name != "km" else int(row[name])
    return groups, {name: totals[name] for name in FIGURES}  # `GROUP BY ()`: always one row
