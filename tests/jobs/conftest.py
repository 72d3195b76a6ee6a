"""`frota worker` as the operator runs it: real subprocesses on the tests' database."""

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

FROTA = str(Path(sys.executable).with_name("frota"))


class Worker:
    def __init__(self, database_url: str, env: dict[str, str] | None = None):
        self.log_path = Path(tempfile.mkstemp(prefix="frota-worker-", suffix=".log")[1])
        self.env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [FROTA, "worker"],
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [FROTA, "worker", "--check"], env=self.env, capture_output=True, text=True, timeout=30
        )

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


@pytest.fixture
def start_worker(database_url) -> Iterator:
    """`start_worker(**env)` starts one; every one started is stopped after the test."""
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(database_url, env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop(signal.SIGKILL if worker.process.poll() is None else signal.SIGTERM)
