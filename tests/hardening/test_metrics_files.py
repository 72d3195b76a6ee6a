"""Multi-process metrics bookkeeping: a dead worker's live gauges stop counting."""

import os
import subprocess
import sys
import tempfile

from api.metrics_multiproc import MULTIPROC_ENV, mark_dead_workers, prepare_multiproc_dir


def test_dead_workers_gauge_files_are_removed(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid, live_pid = int(gone.stdout), os.getpid()
    for pid in (dead_pid, live_pid):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
        (tmp_path / f"counter_{pid}.db").write_bytes(b"")
    assert mark_dead_workers(tmp_path) == [dead_pid]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(
        [f"counter_{dead_pid}.db", f"counter_{live_pid}.db", f"gauge_livesum_{live_pid}.db"]
    )


def test_serve_makes_a_private_samples_folder_and_removes_orphans(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(MULTIPROC_ENV, "")  # recorded, so that the value set below is undone
    monkeypatch.delenv(MULTIPROC_ENV)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f"frota-metrics-{int(gone.stdout)}"
    orphan.mkdir()
    (orphan / "counter_1.db").write_bytes(b"")
    path, temporary = prepare_multiproc_dir()
    assert temporary and path == tmp_path / f"frota-metrics-{os.getpid()}"
    assert os.environ[MULTIPROC_ENV] == str(path) and path.is_dir()
    assert not orphan.exists()
