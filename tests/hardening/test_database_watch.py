"""The pool warning at 80 % and the slow-statement log, on the real database."""

import logging

from sqlalchemy import text

from api.config import get_settings
from api.db import make_engine
from api.db_monitor import install_pool_monitor, install_slow_query_log, pool_status


def test_the_pool_warns_once_when_above_80_percent(database_url, caplog):
    settings = get_settings().model_copy(update={"db_pool_size": 4, "db_max_overflow": 1})
    engine = make_engine(settings, database_url)
    install_pool_monitor(engine, settings)
    connections = []
    try:
        with caplog.at_level(logging.WARNING, logger="frota.db"):
            for _ in range(5):
                connections.append(engine.connect())
        status = pool_status(engine, settings)
        assert status["checked_out"] == 5 and status["overflow"] == 1
        assert status["usage_percent"] == 100.0
    finally:
        for conn in connections:
            conn.close()
        engine.dispose()
    warnings = [r for r in caplog.records if "pool above 80%" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].pool_checked_out == 5


def test_statements_slower_than_the_threshold_are_logged_without_parameters(database_url, caplog):
    engine = make_engine(get_settings(), database_url)
    install_slow_query_log(engine, threshold_ms=100)
    try:
        with caplog.at_level(logging.WARNING, logger="frota.db"), engine.connect() as conn:
            conn.execute(
                text("SELECT pg_sleep(:seconds), :marker"),
                {"seconds": 0.15, "marker": "parameter-secret"},
            )
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    [slow] = [r for r in caplog.records if "slow statement" in r.getMessage()]
    assert "pg_sleep" in slow.getMessage() and "parameter-secret" not in slow.getMessage()
    assert slow.duration_ms >= 150
