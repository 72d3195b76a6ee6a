"""`frota prune-photos`: old files go, rows stay as the record, legal hold is kept, orphans are
swept, a dry run changes nothing, and two runs never work at once."""

import os
import time

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from api import cli
from api.photos.models import Photo, PruneRun
from api.photos.pruning import prune_photos
from api.photos.storage import PhotoStorage
from tests.conftest import auth
from tests.photos.conftest import sideways_jpeg, stored_files, upload, webp


@pytest.fixture
def aged(client, session, fleet, manager, upload_dir):
    """An old photo, an old photo on legal hold, a recent photo, and orphan files."""
    vehicle_id = fleet["vehicle"].id
    old, held, recent = (
        upload(client, manager, content, vehicle_id=vehicle_id).json()
        for content in (
            webp(),
            sideways_jpeg((800, 600), seed=1),
            sideways_jpeg((800, 600), seed=2),
        )
    )
    client.patch(f"/api/v1/photos/{held['id']}", json={"legal_hold": True}, headers=auth(manager))
    session.execute(
        update(Photo)
        .where(Photo.id.in_([old["id"], held["id"]]))
        .values(created_at=func.now() - text("interval '90 days'"))
    )
    two_hours_ago = time.time() - 7200
    orphans = [upload_dir / "originals" / "zz" / "lost.jpg", upload_dir / ".tmp" / "dead.part"]
    for path in orphans:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind by a crash")
        os.utime(path, (two_hours_ago, two_hours_ago))
    fresh = upload_dir / ".tmp" / "in-flight.part"  # an upload still being received
    fresh.write_bytes(b"...")
    photos = {p.id: p for p in session.scalars(select(Photo))}
    return {
        "old": photos[old["id"]],
        "held": photos[held["id"]],
        "recent": photos[recent["id"]],
        "orphans": orphans,
        "fresh": fresh,
    }


def test_old_photos_are_pruned_legal_hold_kept_and_orphans_removed(
    client, session, aged, manager, upload_dir
):
    storage = PhotoStorage(upload_dir)
    report = prune_photos(session=session, storage=storage, older_than_days=60)
    assert (report.photos_pruned, report.skipped_legal_hold, report.orphans_removed) == (1, 1, 2)
    old, held, recent = aged["old"], aged["held"], aged["recent"]
    session.refresh(old)
    assert old.pruned_at is not None
    assert not storage.resolve(old.original_path).exists()
    assert not storage.resolve(old.thumbnail_path).exists()
    for kept in (held, recent):
        assert storage.resolve(kept.original_path).exists()
        assert storage.resolve(kept.thumbnail_path).exists()
    assert not any(p.exists() for p in aged["orphans"])
    assert aged["fresh"].exists()
    # The record stays, without links; its file answers 404.
    record = client.get(f"/api/v1/photos/{old.id}", headers=auth(manager)).json()
    assert record["pruned_at"] and record["url"] is None and record["thumbnail_url"] is None
    assert record["sha256"] == old.sha256
    assert client.get(f"/api/v1/photos/{old.id}/file", headers=auth(manager)).status_code == 404
    run = session.scalars(select(PruneRun)).one()
    assert (run.photos_pruned, run.orphans_removed) == (1, 2)
    assert run.finished_at >= run.started_at


def test_dry_run_changes_nothing(session, aged, upload_dir):
    before = stored_files(upload_dir)
    report = prune_photos(
        session=session, storage=PhotoStorage(upload_dir), older_than_days=60, dry_run=True
    )
    assert (report.photos_pruned, report.orphans_removed) == (1, 2)
    assert "would prune 1 photos" in report.lines()[0]
    assert stored_files(upload_dir) == before
    assert session.scalar(select(func.count()).where(Photo.pruned_at.is_not(None))) == 0
    assert session.scalar(select(func.count()).select_from(PruneRun)) == 0


def test_rows_without_files_are_reported(session, aged, upload_dir):
    storage = PhotoStorage(upload_dir)
    storage.resolve(aged["recent"].original_path).unlink()
    report = prune_photos(session=session, storage=storage, older_than_days=60, dry_run=True)
    assert report.rows_missing_files == [aged["recent"].id]
    assert any("no file on disk" in line for line in report.lines())


def test_two_concurrent_runs_do_not_both_work(session, engine, aged, upload_dir):
    storage = PhotoStorage(upload_dir)
    # The first run is still in its transaction (holding the lock) when the second starts.
    first = prune_photos(session=session, storage=storage, older_than_days=60)
    with Session(engine) as other:
        second = prune_photos(session=other, storage=storage, older_than_days=1)
        other.rollback()
    assert first.photos_pruned == 1 and not first.locked_out
    assert second.locked_out
    assert (second.photos_pruned, second.orphans_removed) == (0, 0)
    assert second.lines() == ["another prune-photos run holds the lock; nothing done"]
    assert aged["fresh"].exists() and storage.resolve(aged["recent"].original_path).exists()


def test_cli_prints_what_it_did_and_records_the_run(committed_client, engine, upload_dir, capsys):
    orphan = upload_dir / "thumbnails" / "ab" / "gone.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    os.utime(orphan, (time.time() - 7200,) * 2)
    assert cli.main(["prune-photos", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "prune-photos (dry run): would prune 0 photos older than 60 days" in out
    assert "would remove 1 orphan files" in out and orphan.exists()
    assert cli.main(["prune-photos", "--older-than-days", "30"]) == 0
    out = capsys.readouterr().out
    assert "prune-photos: pruned 0 photos older than 30 days" in out
    assert "removed 1 orphan files" in out and not orphan.exists()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT max(finished_at) IS NOT NULL FROM prune_runs"))
        assert conn.scalar(text("SELECT count(*) FROM prune_runs")) == 1
