"""`frota worker`: it dispatches every committed event within seconds, reports itself healthy,
runs each periodic job once per cluster however many workers run, and stops cleanly."""

import time
from collections import Counter

from sqlalchemy import text

from tests.conftest import auth


def wait(predicate, timeout: float = 30, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def undispatched(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM events WHERE dispatched_at IS NULL")
        ).scalar()


def test_the_worker_dispatches_committed_events_and_stops_cleanly(
    committed_client, engine, make, manager, start_worker
):
    car = make.vehicle()
    r = committed_client.post(
        "/api/v1/defects",
        json={"vehicle_id": car.id, "description": "Pneu careca", "severity": "critical"},
        headers=auth(manager),
    )
    assert r.status_code == 201, r.text
    assert undispatched(engine) == 2  # defect.opened and vehicle.grounded
    worker = start_worker()
    assert wait(lambda: undispatched(engine) == 0), worker.log()
    check = worker.check()
    assert check.returncode == 0, check.stdout + check.stderr
    assert worker.stop() == 0, worker.log()


def test_the_check_fails_when_no_worker_dispatches(engine, make, start_worker, database_url):
    from tests.jobs.conftest import Worker

    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (uid, type, data, occurred_at) "
                "VALUES ('msg_stale', 'due.soon', '{}', now() - interval '10 minutes')"
            )
        )
    check = Worker(database_url).check()
    assert check.returncode == 1 and "stale" in check.stdout


def test_each_periodic_tick_runs_once_with_two_workers(engine, start_worker):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_periodic_defers"))
        conn.execute(text("DELETE FROM procrastinate_jobs"))
    first, second = start_worker(), start_worker()

    def ticks():
        with engine.connect() as conn:
            return (
                conn.execute(
                    text(
                        "SELECT args->>'timestamp' FROM procrastinate_jobs "
                        "WHERE task_name = 'frota:deliver' AND status = 'succeeded'"
                    )
                )
                .scalars()
                .all()
            )

    assert wait(lambda: len(ticks()) >= 3, timeout=40), first.log() + second.log()
    counts = Counter(ticks())
    assert counts and max(counts.values()) == 1, counts  # one job per 5 s tick, not one per worker


def test_pruning_waits_for_a_backup_copying_the_photos(tmp_path):
    import threading

    from api.config import Settings
    from api.jobs import backup_running, wait_for_backup

    settings = Settings(backup_dir=tmp_path)
    partial = tmp_path / ".frota_backup_20261208_020000.photos.partial"
    partial.mkdir()
    assert backup_running(settings)
    threading.Timer(0.6, partial.rmdir).start()
    started = time.monotonic()
    wait_for_backup(settings, timeout=10, every=0.1)
    assert 0.5 < time.monotonic() - started < 5 and not backup_running(settings)
