"""The README's first session, run as it stands with bash against `frota run` (what `make run`
starts: the embedded PostgreSQL, migrations, the workers on :8000), twice, so that it also
works on a database that is not empty."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FROTA = str(Path(sys.executable).with_name("frota"))


def readme_blocks() -> tuple[str, str]:
    """(the command that starts the server, the session) from "## A first session"."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## A first session", 1)[1].split("\n## ", 1)[0]
    start, session = re.findall(r"```bash\n(.*?)```", section, re.S)
    return start.strip(), session


@pytest.fixture(scope="module")
def frota_run():
    start, _ = readme_blocks()
    env_part, _, command = start.partition(" make run")
    assert command == "" and env_part.startswith("ADMIN_EMAIL="), start
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8000)) == 0:
            pytest.fail("port 8000 is taken: the README's session talks to 127.0.0.1:8000")
    data = Path(tempfile.mkdtemp(prefix="frota-readme-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(LOG_LEVEL="WARNING", ENVIRONMENT="development", WEB_CONCURRENCY="2")
    # The README's own assignments (ADMIN_EMAIL=... ADMIN_PASSWORD='...'), read by bash.
    assigned = (
        subprocess.run(
            ["bash", "-c", f"{env_part} env -0"], capture_output=True, check=True, env={}
        )
        .stdout.decode()
        .split("\0")
    )
    env.update(dict(item.split("=", 1) for item in assigned if item.startswith("ADMIN_")))
    server = subprocess.Popen(
        [FROTA, "run", "--data-dir", str(data)],
        cwd=data,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield server
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("run", ["on a fresh database", "again, on the same database"])
def test_the_readme_first_session_works_as_written(frota_run, run):
    _, session = readme_blocks()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", session],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    driver, trip = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert driver["name"] == "Ana Souza" and driver["user_id"]
    assert trip["end_odometer_km"] == 180 and trip["finished_at"]
