"""The migrations go up, all the way down, and up again on a scratch database."""

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from api.cli import alembic_config


@pytest.fixture
def scratch_url(database_url):
    name = f"frota_scratch_{uuid.uuid4().hex[:8]}"
    server = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _schema(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            functions = set(
                conn.execute(
                    text(
                        "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                        "WHERE nspname = 'public'"
                    )
                ).scalars()
            )
        return tables, functions
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(scratch_url):
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, "head")
    tables, functions = _schema(scratch_url)
    assert {"users", "vehicles", "drivers", "trips"} <= tables
    assert "frota_odometer_never_decreases" in functions

    command.downgrade(cfg, "base")
    tables, functions = _schema(scratch_url)
    assert tables <= {"alembic_version"}
    assert "frota_odometer_never_decreases" not in functions

    command.upgrade(cfg, "head")
    tables, _ = _schema(scratch_url)
    assert {"users", "vehicles", "drivers", "trips"} <= tables
