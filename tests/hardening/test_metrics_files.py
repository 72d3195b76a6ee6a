"""Multi-process metrics bookkeeping: a dead worker's live gauges stop counting."""

import os
import subprocess
import sys

from api.metrics_multiproc import mark_dead_workers


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
