"""`frota prune-photos`: delete old photo files, keep their rows as the record, sweep orphans.
(The command, api/cli.py, also expires the resumable uploads: api/uploads/service.py.)

Everything happens inside one transaction that holds a PostgreSQL advisory lock, so however
many containers or cron entries start it, only one run works at a time."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.photos.models import Photo, PruneRun
from api.photos.storage import PhotoStorage

PRUNE_LOCK = 727275  # pg_advisory_xact_lock key (migrations use 727274)
# Files younger than this are never orphans: an upload renames its files just before commit.
ORPHAN_GRACE_SECONDS = 3600
MISSING_LISTED = 20


@dataclass
class PruneReport:
    dry_run: bool
    older_than_days: int
    locked_out: bool = False
    photos_pruned: int = 0
    bytes_freed: int = 0
    skipped_legal_hold: int = 0
    orphans_removed: int = 0
    orphan_bytes: int = 0
    uploads_expired: int = 0  # filled by the command from api/uploads (not photos' own)
    upload_bytes: int = 0
    rows_missing_files: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.locked_out:
            return ["another prune-photos run holds the lock; nothing done"]
        pruned, removed = ("would prune", "would remove") if self.dry_run else ("pruned", "removed")
        lines = [
            f"{pruned} {self.photos_pruned} photos older than {self.older_than_days} days "
            f"({self.bytes_freed / 1e6:.1f} MB)",
            f"kept {self.skipped_legal_hold} old photos on legal hold",
            f"{removed} {self.orphans_removed} orphan files ({self.orphan_bytes / 1e6:.1f} MB)",
            f"{removed} {self.uploads_expired} expired resumable uploads "
            f"({self.upload_bytes / 1e6:.1f} MB)",
        ]
        if self.rows_missing_files:
            shown = ", ".join(map(str, self.rows_missing_files[:MISSING_LISTED]))
            lines.append(
                f"WARNING: {len(self.rows_missing_files)} photos have no file on disk "
                f"(ids {shown}{', ...' if len(self.rows_missing_files) > MISSING_LISTED else ''})"
            )
        return lines


def prune_photos(
    *,
    session: Session,
    storage: PhotoStorage,
    older_than_days: int,
    dry_run: bool = False,
    orphan_grace_seconds: float = ORPHAN_GRACE_SECONDS,
) -> PruneReport:
    """One pruning run in the session's transaction; the caller commits (or, dry, rolls back)."""
    report = PruneReport(dry_run=dry_run, older_than_days=older_than_days)
    got_lock = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK}
    ).scalar_one()
    if not got_lock:
        report.locked_out = True
        return report
    started_at = datetime.now(UTC)
    cutoff = func.now() - timedelta(days=older_than_days)

    old = select(Photo).where(Photo.pruned_at.is_(None), Photo.created_at < cutoff)
    report.skipped_legal_hold = session.execute(
        select(func.count()).select_from(old.where(Photo.legal_hold).subquery())
    ).scalar_one()
    # FOR UPDATE: a legal hold set while we run waits for us, or is seen before we prune.
    candidates = (
        session.execute(old.where(Photo.legal_hold.is_(False)).order_by(Photo.id).with_for_update())
        .scalars()
        .all()
    )
    for photo in candidates:
        report.photos_pruned += 1
        paths = [storage.resolve(path) for path in photo.file_paths]
        if dry_run:
            report.bytes_freed += sum(p.stat().st_size for p in paths if p.exists())
        else:
            report.bytes_freed += storage.remove(*paths)
            photo.pruned_at = func.now()
    session.flush()

    _sweep(session, storage, report, dry_run, orphan_grace_seconds)
    if not dry_run:
        session.add(
            PruneRun(
                started_at=started_at,
                finished_at=func.clock_timestamp(),
                older_than_days=older_than_days,
                photos_pruned=report.photos_pruned,
                bytes_freed=report.bytes_freed,
                skipped_legal_hold=report.skipped_legal_hold,
                orphans_removed=report.orphans_removed,
                rows_missing_files=len(report.rows_missing_files),
            )
        )
        session.flush()
    return report


def _sweep(
    session: Session, storage: PhotoStorage, report: PruneReport, dry_run: bool, grace: float
) -> None:
    """Remove files no live row points to; report live rows whose original is missing."""
    live = session.execute(
        select(Photo.id, Photo.original_path, Photo.thumbnail_path, Photo.display_path).where(
            Photo.pruned_at.is_(None)
        )
    ).all()
    wanted = {path for row in live for path in row[1:] if path}
    cutoff = time.time() - grace
    for relative, path in storage.stored_files():
        if relative in wanted:
            continue
        stat = path.stat()
        if stat.st_mtime >= cutoff:
            continue
        report.orphans_removed += 1
        report.orphan_bytes += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    for path in storage.stale_temp_files(grace):
        report.orphans_removed += 1
        report.orphan_bytes += path.stat().st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    report.rows_missing_files = [
        row.id for row in live if not storage.resolve(row.original_path).exists()
    ]
