"""What `frota serve` prints while it starts 2 workers: one JSON object a line, and each start-up
warning once (by the parent), not once per worker."""

import json

import pytest

from tests.hardening.conftest import Server, base_env


@pytest.fixture(scope="module")
def started(server_database, workdir):
    # No REDIS_URL with 2 workers: the in-memory counters deserve one warning.
    server = Server(base_env(server_database, workdir, WEB_CONCURRENCY="2"), workdir).start()
    server.wait_for_workers(2)
    server.stop()
    return server


def test_every_line_of_output_is_one_json_object(started):
    lines = [line for line in started.lines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        assert isinstance(json.loads(line), dict), line


def test_a_start_up_warning_is_printed_once(started):
    warnings = [e for e in started.logs() if "REDIS_URL is unset" in e.get("message", "")]
    assert len(warnings) == 1, warnings
    assert len({e["pid"] for e in started.logs() if e.get("message") == "worker ready"}) == 2
