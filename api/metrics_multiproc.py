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
PRIVATE_PREFIX = "frota-metrics-"


def prepare_multiproc_dir() -> tuple[Path, bool]:
    """Create (or empty) the samples directory and export its path to the workers; whether we
    made it up (a private temporary one, to remove at exit) or it was configured."""
    configured = os.environ.get(MULTIPROC_ENV)
    if not configured:
        _remove_orphans(Path(tempfile.gettempdir()))
        path = Path(tempfile.gettempdir()) / f"{PRIVATE_PREFIX}{os.getpid()}"
        path.mkdir(mode=0o700, exist_ok=True)
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


def _remove_orphans(tmp: Path) -> None:
    # A single uvicorn process ends by re-raising SIGTERM, so `serve`'s clean-up may never run:
    # private folders of servers that are gone are removed by the next start instead.
    for folder in tmp.glob(f"{PRIVATE_PREFIX}*"):
        pid = folder.name.removeprefix(PRIVATE_PREFIX)
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


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
