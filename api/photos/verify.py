"""`frota verify`: every photo row against its files (there, the original's size and SHA-256),
and every stored file against a row. Changes nothing but its own record of the run."""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.photos.models import Photo, VerifyRun
from api.photos.storage import PhotoStorage

READ_BYTES = 1 << 20
LISTED = 50


@dataclass
class VerifyReport:
    photos_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.problems:
            return [f"ok: {self.photos_checked} photos, every file present and intact"]
        shown = self.problems[:LISTED]
        more = len(self.problems) - len(shown)
        return [
            f"FAILED: {len(self.problems)} problems in {self.photos_checked} photos",
            *shown,
            *([f"... and {more} more"] if more else []),
        ]


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify_photos(*, session: Session, storage: PhotoStorage) -> VerifyReport:
    """Check, then record the run (the caller commits)."""
    report = VerifyReport()
    started_at = datetime.now(UTC)
    photos = session.execute(
        select(
            Photo.id,
            Photo.original_path,
            Photo.thumbnail_path,
            Photo.display_path,
            Photo.size_bytes,
            Photo.sha256,
        )
        .where(Photo.pruned_at.is_(None))
        .order_by(Photo.id)
    ).all()
    wanted: set[str] = set()
    for photo_id, original, thumbnail, display, size_bytes, sha256 in photos:
        report.photos_checked += 1
        wanted.update(p for p in (original, thumbnail, display) if p)
        for relative in (thumbnail, display):
            if relative and not storage.resolve(relative).is_file():
                report.problems.append(f"photo {photo_id}: missing file {relative}")
        path = storage.resolve(original)
        try:
            stored_bytes = path.stat().st_size
        except FileNotFoundError:
            report.problems.append(f"photo {photo_id}: missing file {original}")
            continue
        if stored_bytes != size_bytes:
            report.problems.append(
                f"photo {photo_id}: {original} has {stored_bytes} bytes, the row says {size_bytes}"
            )
        elif _sha256(path) != sha256:
            report.problems.append(f"photo {photo_id}: {original} does not match its SHA-256")
    for relative, _path in storage.stored_files():
        if relative not in wanted:
            report.problems.append(f"file {relative}: no photo row points to it")
    session.add(
        VerifyRun(
            started_at=started_at,
            finished_at=func.clock_timestamp(),
            photos_checked=report.photos_checked,
            problems=len(report.problems),
            summary="\n".join(report.lines())[:4000],
        )
    )
    session.flush()
    return report
