"""Photo files under UPLOAD_DIR: temporary names while writing, server-made final names.

UPLOAD_DIR/.tmp/<uuid>.part          uploads being received or processed
UPLOAD_DIR/originals/<ab>/<uuid>.jpg the client's bytes, unchanged
UPLOAD_DIR/thumbnails/<ab>/<uuid>.jpg
UPLOAD_DIR/display/<ab>/<uuid>.jpg    a JPEG rendition of HEIC originals, for browsers
"""

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from api.spool import TMP, scratch_dir

ORIGINALS = "originals"
THUMBNAILS = "thumbnails"
DISPLAY = "display"


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (the file's own fsync does not cover its directory entry)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class PhotoStorage:
    root: Path

    @property
    def tmp_dir(self) -> Path:
        return scratch_dir(self.root)

    def temp_path(self, suffix: str) -> Path:
        return self.tmp_dir / f"{uuid.uuid4().hex}{suffix}"

    def resolve(self, relative: str) -> Path:
        return self.root / relative

    @staticmethod
    def final_names(extension: str) -> tuple[str, str, str]:
        """Relative paths for a new photo's original, thumbnail and (HEIC) JPEG rendition."""
        name = uuid.uuid4().hex
        shard = name[:2]
        return (
            f"{ORIGINALS}/{shard}/{name}.{extension}",
            f"{THUMBNAILS}/{shard}/{name}.jpg",
            f"{DISPLAY}/{shard}/{name}.jpg",
        )

    def commit_file(self, temp: Path, relative: str) -> Path:
        """fsync the temporary file, rename it to its final name, fsync the directory."""
        final = self.resolve(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, final)
        fsync_dir(final.parent)
        return final

    def remove(self, *paths: Path | str | None) -> int:
        """Remove files (absolute, or relative to the root) that exist; the bytes freed."""
        freed = 0
        for path in paths:
            if path is None:
                continue
            full = path if isinstance(path, Path) else self.resolve(path)
            try:
                freed += full.stat().st_size
                full.unlink()
            except FileNotFoundError:
                pass
        return freed

    def stored_files(self) -> Iterator[tuple[str, Path]]:
        """Every final file, as (relative path, absolute path)."""
        for area in (ORIGINALS, THUMBNAILS, DISPLAY):
            base = self.root / area
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                if path.is_file():
                    yield path.relative_to(self.root).as_posix(), path

    def stale_temp_files(self, older_than_seconds: float) -> Iterator[Path]:
        base = self.root / TMP
        if not base.is_dir():
            return
        cutoff = time.time() - older_than_seconds
        for path in base.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                yield path


class UploadSink:
    """A temporary file that hashes and counts what is written to it."""

    def __init__(self, path: Path):
        self.path = path
        self.sha256 = hashlib.sha256()
        self.size_bytes = 0
        self._handle = open(path, "wb")  # noqa: SIM115 - closed in close()

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.sha256.update(data)
        self.size_bytes += len(data)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
