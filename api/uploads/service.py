"""Resumable uploads: the state of each one on disk, appending with fsync, and completion
through the photo pipeline of `POST /photos` (photos.service.store_photo).

UPLOAD_DIR/.partial/<user id>/<upload id>.bin   the bytes acknowledged so far (and maybe a
                                                torn tail past them, cut off on next open)
UPLOAD_DIR/.partial/<user id>/<upload id>.json  length, offset, metadata, expiry, photo id

The JSON is the truth. Its offset is saved (written, fsynced, renamed into place) only after
the bytes up to it are fsynced, so a worker killed mid-PATCH loses at most the bytes since the
last save, never acknowledges a torn write. One request at a time writes to an upload (`flock`
on its .bin file, which every worker sees); none holds a database session while bytes arrive.
An upload is found under its creator's folder only: another user's id is simply not there."""

import fcntl
import hashlib
import logging
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from pydantic import ValidationError

from api.actor import Actor
from api.config import Settings
from api.db import get_sessionmaker
from api.errors import FrotaError, Invalid, NotFound, summarise
from api.local_time import default_exif_timezone
from api.photos import service as photos
from api.photos.schemas import PhotoUploadForm
from api.photos.storage import PhotoStorage, fsync_dir
from api.photos.upload import ReceivedUpload
from api.photos.upload_limit import PhotoTooLarge
from api.uploads.tus import Gone, Locked, TooManyUploads

log = logging.getLogger("frota.uploads")

PARTIAL = ".partial"
MAX_UNFINISHED = 10
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class UploadState:
    id: str
    user_id: int
    length: int
    offset: int
    metadata: dict[str, str]
    raw_metadata: str
    expires_at: datetime
    photo_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def finished(self) -> bool:
        return self.photo_id is not None


def user_dir(storage: PhotoStorage, user_id: int) -> Path:
    return storage.root / PARTIAL / str(user_id)


def _paths(storage: PhotoStorage, user_id: int, upload_id: str) -> tuple[Path, Path]:
    if not _ID.match(upload_id):
        raise NotFound(f"Upload {upload_id} not found")
    base = user_dir(storage, user_id) / upload_id
    return base.with_suffix(".bin"), base.with_suffix(".json")


def _save(path: Path, state: UploadState) -> None:
    """Replace the state file atomically and durably."""
    temporary = path.with_suffix(".json.tmp")
    with open(temporary, "wb") as handle:
        handle.write(orjson.dumps(asdict(state)))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)


def _read(path: Path) -> UploadState | None:
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    for name in ("expires_at", "created_at"):
        raw[name] = datetime.fromisoformat(raw[name])
    return UploadState(**raw)


def load(storage: PhotoStorage, actor: Actor, upload_id: str) -> UploadState:
    """The caller's upload; 404 when it is not theirs (or never was), 410 once expired."""
    _, state_path = _paths(storage, actor.id, upload_id)
    state = _read(state_path)
    if state is None:
        raise NotFound(f"Upload {upload_id} not found")
    if not state.finished and state.expires_at <= datetime.now(UTC):
        raise Gone(f"Upload {upload_id} expired at {state.expires_at.isoformat()}; start again")
    return state


def form_from_metadata(metadata: dict[str, str]) -> PhotoUploadForm:
    try:
        return PhotoUploadForm.model_validate(metadata)
    except ValidationError as exc:
        raise Invalid(f"Upload-Metadata: {summarise(exc.errors(), whole='metadata')}") from exc


def unfinished(storage: PhotoStorage, user_id: int) -> list[UploadState]:
    now = datetime.now(UTC)
    states = (_read(p) for p in user_dir(storage, user_id).glob("*.json"))
    return [s for s in states if s is not None and not s.finished and s.expires_at > now]


def create(
    *,
    storage: PhotoStorage,
    settings: Settings,
    actor: Actor,
    length: int,
    raw_metadata: str,
    metadata: dict[str, str],
) -> UploadState:
    """Check the upload could become a photo (who, where, how large) before a byte arrives."""
    max_bytes = settings.max_upload_mb * 1024 * 1024
    if length > max_bytes:
        raise PhotoTooLarge(max_bytes)
    if length == 0:
        raise Invalid("Upload-Length is 0: the photo file is empty")
    form = form_from_metadata(metadata)
    with get_sessionmaker()() as session:
        photos.authorize_upload(session=session, actor=actor, form=form)
    folder = user_dir(storage, actor.id)
    folder.mkdir(parents=True, exist_ok=True)
    # Two creations at once may both see nine: at worst eleven, never unbounded.
    if len(unfinished(storage, actor.id)) >= MAX_UNFINISHED:
        raise TooManyUploads(
            f"You have {MAX_UNFINISHED} unfinished uploads; finish or DELETE one first"
        )
    state = UploadState(
        id=secrets.token_hex(16),
        user_id=actor.id,
        length=length,
        offset=0,
        metadata=metadata,
        raw_metadata=raw_metadata,
        expires_at=datetime.now(UTC) + timedelta(hours=settings.upload_expiry_hours),
    )
    data_path, state_path = _paths(storage, actor.id, state.id)
    data_path.touch()
    _save(state_path, state)
    return state


class Appender:
    """The one writer of an upload: holds its lock, appends, and saves the offset on commit.
    Raises Locked at once while another request holds it (the router waits, not a thread)."""

    def __init__(self, storage: PhotoStorage, actor: Actor, upload_id: str):
        self.data_path, self.state_path = _paths(storage, actor.id, upload_id)
        self.state = load(storage, actor, upload_id)
        self._handle = None
        self.pending = 0
        if self.state.finished:
            return  # nothing to write; the photo is stored
        try:
            self._handle = open(self.data_path, "r+b")  # noqa: SIM115 - closed in close()
        except FileNotFoundError:  # finished or removed between the load and now
            self.state = load(storage, actor, upload_id)
            if self.state.finished:
                return
            raise NotFound(f"Upload {upload_id} not found") from None
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._handle.close()
            raise Locked(
                "Another request is still sending this upload; retry in a few seconds",
                headers={"Retry-After": "5"},
            ) from exc
        # Under the lock: the state as the last writer left it, and no torn tail past it.
        self.state = load(storage, actor, upload_id)
        self._handle.truncate(self.state.offset)
        self._handle.seek(self.state.offset)

    @property
    def position(self) -> int:
        """The offset once what has been written is committed."""
        return self.state.offset + self.pending

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.pending += len(data)

    def commit(self) -> None:
        """fsync the bytes, then acknowledge them in the state file."""
        if not self.pending:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.state.offset += self.pending
        self.pending = 0
        _save(self.state_path, self.state)

    def discard(self) -> None:
        """Drop what was written since the last commit (a chunk whose checksum failed)."""
        self._handle.truncate(self.state.offset)
        self._handle.seek(self.state.offset)
        self.pending = 0

    def close(self) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()  # releases the lock

    def complete(self, *, storage: PhotoStorage, actor: Actor, settings: Settings) -> int:
        """All bytes are in: store the photo as `POST /photos` would; its id. A refusal (not an
        image, a bomb, no longer allowed) removes the upload; a failure of the server (the
        database down) keeps it, and the client's retried last PATCH completes it."""
        if self.state.finished:
            return self.state.photo_id
        sha256 = hashlib.sha256()
        with open(self.data_path, "rb") as handle:
            while block := handle.read(1 << 20):
                sha256.update(block)
        received = ReceivedUpload(self.data_path, sha256.hexdigest(), self.state.length)
        try:
            photo, _created = photos.store_photo(
                storage=storage,
                actor=actor,
                form=form_from_metadata(self.state.metadata),
                upload=received,
                idempotency_key=(self.state.metadata.get("idempotency_key") or "").strip() or None,
                exif_timezone=default_exif_timezone(settings),
            )
        except FrotaError as exc:
            if exc.status_code >= 500:
                raise
            self.remove()
            # 415 means a wrong PATCH Content-Type in tus: here it is the photo that is refused.
            if exc.status_code == 415:
                raise Invalid(exc.message) from exc
            raise
        # A retry (same key or bytes) left our file where it was: it is not needed.
        self.data_path.unlink(missing_ok=True)
        self.state.photo_id = photo.id
        _save(self.state_path, self.state)
        log.info("upload %s became photo %s", self.state.id, photo.id)
        return photo.id

    def remove(self) -> None:
        self.close()
        self.data_path.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)


def terminate(storage: PhotoStorage, actor: Actor, upload_id: str) -> None:
    data_path, state_path = _paths(storage, actor.id, upload_id)
    if _read(state_path) is None:
        raise NotFound(f"Upload {upload_id} not found")
    data_path.unlink(missing_ok=True)
    state_path.unlink(missing_ok=True)


def remove_expired(
    storage: PhotoStorage, *, dry_run: bool, grace_seconds: float
) -> tuple[int, int]:
    """The pruning job's part: (uploads removed, bytes freed). Unfinished uploads past their
    expiry, finished ones (kept so `GET /uploads/{id}` can name the photo) likewise, and stray
    files no state file explains once older than the grace period."""
    removed = freed = 0
    base = storage.root / PARTIAL
    if not base.is_dir():
        return 0, 0
    now = datetime.now(UTC)
    cutoff = time.time() - grace_seconds
    for path in sorted(base.glob("*/*")):
        try:
            if path.suffix == ".json":
                state = _read(path)
                if state is None or state.expires_at > now:
                    continue
                data = path.with_suffix(".bin")
                removed += 1
                freed += data.stat().st_size if data.exists() else 0
                if not dry_run:
                    data.unlink(missing_ok=True)
                    path.unlink(missing_ok=True)
            elif not path.with_suffix(".json").exists() and path.stat().st_mtime < cutoff:
                freed += path.stat().st_size
                if not dry_run:
                    path.unlink(missing_ok=True)
        except FileNotFoundError:  # finished or removed by a request meanwhile
            continue
    return removed, freed
