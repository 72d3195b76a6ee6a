"""Photos: who may upload where, storing file and row together, idempotent retries, reading."""

import logging
from datetime import timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Annotated

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import NO_DRIVER_RECORD, OWN_DRIVER_ID, Actor
from api.config import Settings
from api.db import constraint_name, get_or_404, get_sessionmaker
from api.errors import Conflict, Forbidden, Invalid
from api.lists import Before, Eq, Filters, From
from api.metrics import observe_upload
from api.params import End, IdFilter, Start
from api.photos import images
from api.photos.models import Photo, PhotoKind
from api.photos.schemas import PhotoUpdate, PhotoUploadForm
from api.photos.storage import PhotoStorage
from api.photos.upload import ReceivedUpload
from api.trips.models import Trip
from api.vehicles.models import Vehicle, VehicleStatus

log = logging.getLogger("frota.photos")

# The same bytes for the same vehicle, kind and trip within this window are a retry, not a photo.
DUPLICATE_WINDOW = timedelta(hours=1)
IDEMPOTENCY_UNIQUE = "uq_photos_uploaded_by_user_id_idempotency_key"


def get_storage(settings: Settings) -> PhotoStorage:
    return PhotoStorage(settings.upload_dir)


def _lock(session: Session, name: str) -> None:
    """A transaction-level lock on a name: same-key or same-bytes uploads go one at a time."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
    )


def _by_idempotency_key(session: Session, actor: Actor, key: str) -> Photo | None:
    return session.execute(
        select(Photo).where(Photo.uploaded_by_user_id == actor.id, Photo.idempotency_key == key)
    ).scalar_one_or_none()


def _replay(photo: Photo, upload: ReceivedUpload, form: PhotoUploadForm) -> Photo:
    """The first photo stored under this key, if this request is really the same upload."""
    if photo.sha256 != upload.sha256 or photo.vehicle_id != form.vehicle_id:
        raise Conflict(
            f"Idempotency-Key already used for photo {photo.id} with other content; "
            "use a new key for a new photo"
        )
    return photo


# Before a check-out a driver may photograph the state of an available vehicle (the inspection's
# failed items, damage found before leaving): the photo belongs to no trip.
CONDITION_KINDS = {PhotoKind.damage, PhotoKind.exterior, PhotoKind.interior, PhotoKind.odometer}


def _condition_before_check_out(session: Session, form: PhotoUploadForm) -> bool:
    vehicle = session.get(Vehicle, form.vehicle_id)
    return (
        vehicle is not None
        and vehicle.status == VehicleStatus.available
        and form.kind in CONDITION_KINDS
    )


def authorize_upload(*, session: Session, actor: Actor, form: PhotoUploadForm) -> int | None:
    """The trip the photo belongs to. Drivers: their own trip, or the one open on this vehicle
    (none for a condition photo of an available vehicle before a check-out)."""
    trip = session.get(Trip, form.trip_id) if form.trip_id is not None else None
    if actor.is_driver:
        if actor.driver_id is None:
            raise Forbidden(NO_DRIVER_RECORD)
        if form.trip_id is None:
            trip = session.execute(
                select(Trip).where(
                    Trip.driver_id == actor.driver_id,
                    Trip.vehicle_id == form.vehicle_id,
                    Trip.finished_at.is_(None),
                )
            ).scalar_one_or_none()
            if trip is None and not _condition_before_check_out(session, form):
                raise Forbidden(
                    "Drivers upload photos for the vehicle they have checked out (or, before "
                    "a check-out, damage and condition photos of an available vehicle)"
                )
        elif trip is None or trip.driver_id != actor.driver_id:
            raise Forbidden(f"Trip {form.trip_id} is not yours; upload to your own trips")
    else:
        if session.get(Vehicle, form.vehicle_id) is None:
            raise Invalid(f"Vehicle {form.vehicle_id} does not exist")
        if form.trip_id is not None and trip is None:
            raise Invalid(f"Trip {form.trip_id} does not exist")
    if trip is not None and trip.vehicle_id != form.vehicle_id:
        raise Invalid(f"Trip {trip.id} is not a trip of vehicle {form.vehicle_id}")
    return trip.id if trip is not None else None


def _recent_duplicate(
    session: Session, vehicle_id: int, kind: str, trip_id: int | None, sha256: str
) -> Photo | None:
    return session.execute(
        select(Photo)
        .where(
            Photo.vehicle_id == vehicle_id,
            Photo.sha256 == sha256,
            Photo.kind == kind,
            Photo.trip_id.is_not_distinct_from(trip_id),
            Photo.pruned_at.is_(None),
            Photo.created_at > func.now() - DUPLICATE_WINDOW,
        )
        .order_by(Photo.id)
        .limit(1)
    ).scalar_one_or_none()


def store_photo(
    *,
    storage: PhotoStorage,
    actor: Actor,
    form: PhotoUploadForm,
    upload: ReceivedUpload,
    idempotency_key: str | None,
    exif_timezone: timezone,
) -> tuple[Photo, bool]:
    """Store an upload already received into a temporary file: `(photo, created)`; created is
    False when it is a retry (same key, or the same bytes just stored) and the first photo is
    returned. Runs in the thread pool, once the body is in.

    Unlike other services this one has a session of its own, and commits: the request held no
    session while its body arrived, and the files are renamed into place before the commit and
    removed if it fails, so file and row appear together or not at all."""
    with get_sessionmaker()() as session:
        if idempotency_key:
            existing = _by_idempotency_key(session, actor, idempotency_key)
            if existing is not None:
                return _replay(existing, upload, form), False
        trip_id = authorize_upload(session=session, actor=actor, form=form)
        # Give the connection back to the pool while the image is decoded.
        session.commit()

        thumbnail_tmp = storage.temp_path(".thumb.jpg")
        display_tmp = storage.temp_path(".display.jpg")
        try:
            facts = images.inspect_and_thumbnail(
                upload.path, thumbnail_tmp, exif_timezone, display=display_tmp
            )
            if idempotency_key:
                _lock(session, f"photo-key:{actor.id}:{idempotency_key}")
                existing = _by_idempotency_key(session, actor, idempotency_key)
                if existing is not None:  # the first request finished while we worked
                    return _replay(existing, upload, form), False
            _lock(session, f"photo-bytes:{form.vehicle_id}:{upload.sha256}")
            duplicate = _recent_duplicate(
                session, form.vehicle_id, form.kind, trip_id, upload.sha256
            )
            if duplicate is not None:
                return duplicate, False
            original_path, thumbnail_path, display_path = storage.final_names(facts.extension)
            photo = Photo(
                vehicle_id=form.vehicle_id,
                trip_id=trip_id,
                uploaded_by_user_id=actor.id,
                kind=form.kind,
                sha256=upload.sha256,
                size_bytes=upload.size_bytes,
                width=facts.width,
                height=facts.height,
                content_type=facts.content_type,
                original_path=original_path,
                thumbnail_path=thumbnail_path,
                display_path=display_path if facts.has_display else None,
                taken_at=form.taken_at or facts.taken_at,
                latitude=facts.latitude,
                longitude=facts.longitude,
                idempotency_key=idempotency_key or None,
            )
            files = [(upload.path, original_path), (thumbnail_tmp, thumbnail_path)]
            if facts.has_display:
                files.append((display_tmp, display_path))
            _commit_with_files(session, storage, photo, files)
        except IntegrityError as exc:
            if constraint_name(exc) == IDEMPOTENCY_UNIQUE and idempotency_key:
                session.rollback()
                existing = _by_idempotency_key(session, actor, idempotency_key)
                if existing is not None:
                    return _replay(existing, upload, form), False
            raise
        finally:
            storage.remove(thumbnail_tmp, display_tmp)
        observe_upload(photo.size_bytes)
        log.info("photo %s stored (%s bytes, %s)", photo.id, photo.size_bytes, photo.content_type)
        return photo, True


def _commit_with_files(
    session: Session, storage: PhotoStorage, photo: Photo, files: list[tuple[Path, str]]
) -> None:
    """fsync + rename every (temporary, final) file, insert the row, commit; on any failure
    remove the files."""
    placed = []
    try:
        for temporary, final in files:
            placed.append(storage.commit_file(temporary, final))
        session.add(photo)
        session.flush()
        session.commit()
    except BaseException:
        session.rollback()
        storage.remove(*placed)
        raise


def visible_to(query, actor: Actor):
    """Drivers see only the photos of their own trips; managers and admins all of them."""
    if not actor.is_driver:
        return query
    return query.join(Trip, Trip.id == Photo.trip_id).where(
        Trip.driver_id == bindparam(OWN_DRIVER_ID, actor.driver_id or 0)
    )


def get_photo(
    *, session: Session, photo_id: int, actor: Actor | None, for_update: bool = False
) -> Photo:
    """A photo the actor may see (None: already authorised by a signed URL)."""
    visible = None if actor is None else partial(visible_to, actor=actor)
    return get_or_404(session, Photo, photo_id, visible=visible, for_update=for_update)


def list_photos_query(shape: frozenset[str]):
    """Photos, newest upload first; a driver's own trips' only (`visible_to`, `own_rows`)."""
    return select(Photo).order_by(Photo.created_at.desc(), Photo.id.desc())


class PhotoFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Photo.vehicle_id)] = None
    trip_id: Annotated[IdFilter, Eq(Photo.trip_id)] = None
    kind: Annotated[PhotoKind | None, Eq(Photo.kind)] = None
    legal_hold: Annotated[bool | None, Eq(Photo.legal_hold)] = None
    uploaded_from: Annotated[Start, From(Photo.created_at)] = None
    uploaded_to: Annotated[End, Before(Photo.created_at)] = None
    taken_from: Annotated[Start, From(Photo.taken_at)] = None
    taken_to: Annotated[End, Before(Photo.taken_at)] = None


def update_photo(*, session: Session, photo: Photo, data: PhotoUpdate) -> Photo:
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(photo, name, value)
    session.flush()
    return photo


def delete_photo(*, session: Session, storage: PhotoStorage, photo: Photo) -> None:
    """Delete the row, commit, then the files (a crash in between leaves orphans for the
    sweeper, never a row without its file)."""
    if photo.legal_hold:
        raise Conflict(f"Photo {photo.id} is on legal hold; lift the hold before deleting it")
    paths = photo.file_paths
    try:
        with session.begin_nested():
            session.delete(photo)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Photo {photo.id} is in use (the receipt of a fuel entry); remove that first"
        ) from exc
    session.commit()
    storage.remove(*paths)
