"""Every figure of `/reports/costs` (by vehicle, by month, by driver, in total) and every fill-up's
segment and km/l equal the plain model's (tests/model/plain.py), for random fleets."""

import importlib.util
from decimal import Decimal

from hypothesis import given

from api.fuel.models import FuelEntry
from api.fuel.service import rechain
from api.reports import service as reports
from tests.conftest import ROOT
from tests.model import plain
from tests.model.conftest import driver_connection
from tests.model.fleets import fleets, periods, store

RUNS = {"examples": 0}


def _migration():
    path = ROOT / "db/migrations/versions/2026-12-08_0008_fuel_segments.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BACKFILL = _migration().BACKFILL


def _segments(session, entries) -> list[tuple]:
    rows = dict(
        (row.id, (row.segment_km, row.segment_liters, row.km_per_liter))
        for row in session.query(
            FuelEntry.id, FuelEntry.segment_km, FuelEntry.segment_liters, FuelEntry.km_per_liter
        ).filter(FuelEntry.id.in_([e.id for e in entries]))
    )
    return [rows[e.id] for e in entries]


def _renamed(rows: list[dict], vehicle_id: dict, driver_id: dict) -> list[dict]:
    """The model's rows with the database's ids."""
    return [
        row
        | {
            "vehicle_id": vehicle_id.get(row["vehicle_id"]),
            "driver_id": driver_id.get(row["driver_id"]),
        }
        for row in rows
    ]


@given(fleet=fleets(), period=periods())
def test_the_report_is_the_model(rolled_back, fleet, period):
    RUNS["examples"] += 1
    start, end = period
    values = reports.period(start, end, plain.LOCAL)
    with rolled_back() as session:
        vehicle_id, driver_id, entries = store(session, fleet)
        for vehicle in vehicle_id.values():
            rechain(session, vehicle)

        # Each fill-up: the segment it closes, and km/l, as the model's chain has them.
        expected, closing = [], plain.segments(fleet.fills)
        for segment in (closing[i] for i in range(len(fleet.fills))):
            if segment is None:
                expected.append((None, None, None))
            else:
                km, liters = segment
                expected.append((km, liters, Decimal(str(plain.km_per_liter(km, liters)))))
        assert _segments(session, entries) == expected
        # The migration's SQL backfill is the same chain.
        session.execute(
            FuelEntry.__table__.update().values(
                segment_km=None, segment_liters=None, km_per_liter=None
            )
        )
        driver_connection(session).execute(BACKFILL)
        session.expire_all()
        assert _segments(session, entries) == expected

        connection, answers = driver_connection(session), {}
        for group_by in ("vehicle", "month", "driver"):
            cursor = connection.execute(
                reports.STATEMENTS[group_by], reports.bound(group_by, values)
            )
            groups, totals = reports.shape([c.name for c in cursor.description], cursor.fetchall())
            model_groups, model_totals = plain.cost_report(
                fleet, group_by, values["start"], values["end"]
            )
            assert groups == _renamed(model_groups, vehicle_id, driver_id), group_by
            assert totals == model_totals, group_by
            answers[group_by] = groups, totals
    # A total is the sum of its parts, and the same whichever the grouping (by driver, km are
    # the trips').
    for groups, totals in answers.values():
        for name in ("km", "fines"):
            assert totals[name] == sum(g[name] for g in groups)
        for name in ("fuel_cost", "service_cost", "fines_amount"):
            assert totals[name] == float(sum(Decimal(str(g[name])) for g in groups))
    same = set(reports.FIGURES) - {"km", "cost_per_km"}
    for group_by in ("month", "driver"):
        assert {n: answers[group_by][1][n] for n in same} == {
            n: answers["vehicle"][1][n] for n in same
        }
    assert answers["month"][1] == answers["vehicle"][1]


def test_examples_ran():
    """Runs after the property (file order): how many generated fleets were checked."""
    print(f"\n{RUNS['examples']} generated fleets checked against the model")
