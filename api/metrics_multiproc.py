"""The supervisor's side of multi-process metrics: a clean samples directory before the workers
start, and dead workers' live gauges removed (uvicorn replaces crashed or recycled workers).

Kept apart from api.metrics: PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is
first imported, and this module imports it only after setting it."""

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("frota.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiproc_dir() -> tuple[Path, bool]:
    """Create (or empty) the samples directory and export its path to the workers; whether we
    made it up (a private temporary one, to remove at exit) or it was configured."""
    configured = os.environ.get(MULTIPROC_ENV)
    if not configured:
        path = Path(tempfile.mkdtemp(prefix="frota-metrics-"))
        os.environ[MULTIPROC_ENV] = str(path)
        return path, True
    path = Path(configured)
    if path.exists():
        for child in path.iterdir():
            if child.is_file() and child.suffix == ".db":
                child.unlink()
            elif child.is_dir():
                shutil.rmtree(child)
    path.mkdir(parents=True, exist_ok=True)
    return path, False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_dead_workers(path: Path) -> list[int]:
    """Drop the live-gauge files of workers that are gone; their pids."""
    from prometheus_client import multiprocess

    dead = set()
    for file in path.glob("gauge_live*_*.db"):
        pid_text = file.stem.rsplit("_", 1)[-1]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            dead.add(int(pid_text))
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(path))
    return sorted(dead)


def start_dead_worker_reaper(path: Path, interval: float = 5.0) -> threading.Event:
    """A daemon thread in the supervisor that marks dead workers; set the event to stop it."""
    stop = threading.Event()

    def reap() -> None:
        while not stop.wait(interval):
            try:
                for pid in mark_dead_workers(path):
                    log.warning("worker %s is gone; its pool gauges no longer count", pid)
            except OSError:
                log.exception("could not tidy the metrics directory %s", path)

    threading.Thread(target=reap, name="metrics-reaper", daemon=True).start()
    return stop
