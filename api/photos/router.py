import time
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError

from api.actor import own_rows
from api.config import get_settings
from api.db import SessionDep
from api.deps import CurrentActor, FleetManager, SettingsDep
from api.errors import NotFound
from api.lists import ListQuery, Page
from api.local_time import default_exif_timezone
from api.params import PhotoId
from api.photos import service, signing
from api.photos.dependencies import FileAccess, SignedOrBearer
from api.photos.images import HAS_DISPLAY_TYPES
from api.photos.models import Photo, PhotoKind
from api.photos.schemas import PhotoRead, PhotoUpdate, PhotoUploadForm
from api.photos.upload import receive_upload

router = APIRouter(prefix="/photos", tags=["photos"])

IDEMPOTENCY_KEY_MAX = 200
UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "vehicle_id", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "vehicle_id": {"type": "integer"},
                        "trip_id": {"type": "integer"},
                        "kind": {"type": "string", "enum": [k.value for k in PhotoKind]},
                        "taken_at": {"type": "string", "format": "date-time"},
                    },
                }
            }
        },
    }
}


def photo_read(photo: Photo, request: Request, settings) -> PhotoRead:
    """The photo's JSON, with fresh signed links to its files (none once pruned)."""
    links: dict[str, str | None] = {"url": None, "thumbnail_url": None}
    if photo.pruned_at is None:
        url = photo_urls(request, settings)
        # HEIC originals: `url` is the JPEG rendition, which every browser can show.
        full = "display" if photo.display_path else "file"
        links = {"url": url(photo.id, full), "thumbnail_url": url(photo.id, "thumbnail")}
    return PhotoRead.model_validate(
        {
            **{c: getattr(photo, c) for c in PhotoRead.model_fields if hasattr(photo, c)},
            "uploaded_at": photo.created_at,
            **links,
        }
    )


@router.post(
    "",
    response_model=PhotoRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_OPENAPI,
    responses={200: {"model": PhotoRead, "description": "A retry: the photo stored first"}},
)
async def upload_photo(
    request: Request,
    actor: CurrentActor,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=IDEMPOTENCY_KEY_MAX, description="Same key, same photo: safe to retry"),
    ] = None,
):
    """Upload a photo (multipart `file`, `vehicle_id`, `kind`, optional `trip_id`, `taken_at`).

    201 with the new photo; 200 with the first one for a retry (same `Idempotency-Key`, or the
    same bytes for the same vehicle and kind within the hour)."""
    # No session, connection or thread is held while the body trickles in: the photo is
    # streamed to a temporary file first, then stored in one short step in the thread pool.
    storage = service.get_storage(settings)
    upload = await receive_upload(
        request, storage=storage, max_bytes=settings.max_upload_mb * 1024 * 1024
    )
    try:
        try:
            form = PhotoUploadForm.model_validate(upload.fields)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
        photo, created = await run_in_threadpool(
            service.store_photo,
            storage=storage,
            actor=actor,
            form=form,
            upload=upload,
            idempotency_key=(idempotency_key or "").strip() or None,
            exif_timezone=default_exif_timezone(settings),
        )
    finally:
        await run_in_threadpool(storage.remove, upload.path)
    body = photo_read(photo, request, settings).model_dump(mode="json")
    if created:
        return JSONResponse(
            body,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": str(request.url_for("get_photo", photo_id=photo.id))},
        )
    return JSONResponse(
        body, status_code=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"}
    )


# PhotoRead's fields as columns, in its order; `url` and `thumbnail_url` are added per row.
_LIST_COLUMNS = [
    Photo.__table__.c.created_at.label(name) if name == "uploaded_at" else Photo.__table__.c[name]
    for name in PhotoRead.model_fields
    if name == "uploaded_at" or name in Photo.__table__.c
]
LIST = ListQuery(
    service.list_photos_query,
    service.PhotoFilters,
    _LIST_COLUMNS,
    visible=service.visible_to,
    extra=("id", "pruned_at", "content_type"),
)


def photo_urls(
    request: Request, settings, *, for_json: bool = False
) -> Callable[[int, signing.Variant], str]:
    """`url(photo_id, variant)`: a signed, expiring link to a photo's file as this request
    reaches the API, for `photo_read` and the list alike. The routes' paths are looked up once
    per process (`url_for` walks every route) and the expiry once per request. `for_json`: the
    host part, which comes from the request, escaped for a JSON string (the rest is ours, ASCII)."""
    secret = settings.secret_key.get_secret_value()
    base = str(request.base_url).rstrip("/")
    if for_json:
        base = orjson.dumps(base).decode()[1:-1]
    paths = _file_paths(request.app)
    expires = signing.expiry(settings.signed_url_minutes)

    def url(photo_id: int, variant: signing.Variant) -> str:
        signature = signing.url_signature(secret, photo_id, variant, expires)
        prefix, suffix, query = paths[variant]
        return f"{base}{prefix}{photo_id}{suffix}?{query}expires={expires}&signature={signature}"

    return url


def signed_links(request: Request, settings) -> Callable[[tuple], str]:
    """Adds `url` and `thumbnail_url` to a photo's JSON, as `photo_read` does (HEIC: `url` is
    the JPEG rendition). A row is (JSON text, total, id, pruned_at, content_type), as LIST
    returns it."""
    url = photo_urls(request, settings, for_json=True)

    def add_links(row: tuple) -> str:
        photo, _total, photo_id, pruned_at, content_type = row
        if pruned_at is not None:
            return photo[:-1] + ',"url":null,"thumbnail_url":null}'
        full = "display" if content_type in HAS_DISPLAY_TYPES else "file"
        return (
            f'{photo[:-1]},"url":"{url(photo_id, full)}",'
            f'"thumbnail_url":"{url(photo_id, "thumbnail")}"}}'
        )

    return add_links


@lru_cache(maxsize=4)
def _file_paths(app) -> dict[str, tuple[str, str, str]]:
    """(before the id, after it, query prefix) of each variant's path."""
    marker = "987654321"
    paths = {}
    for variant, route, query in (
        ("file", "photo_file", ""),
        ("display", "photo_file", "format=jpeg&"),
        ("thumbnail", "photo_thumbnail", ""),
    ):
        prefix, suffix = app.url_path_for(route, photo_id=marker).split(marker)
        paths[variant] = (prefix, suffix, query)
    return paths


@router.get("", response_model=Page[PhotoRead])
async def list_photos(actor: CurrentActor, asked: LIST.Asked):
    """List photos, newest upload first; drivers see only the photos of their own trips."""
    return await asked.answer(own_rows(actor), add=signed_links(asked.request, get_settings()))


@router.get("/{photo_id}", response_model=PhotoRead)
def get_photo(
    photo_id: PhotoId,
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
):
    """One photo, with fresh signed links; drivers only those of their own trips."""
    photo = service.get_photo(session=session, photo_id=photo_id, actor=actor)
    return photo_read(photo, request, settings)


@router.patch("/{photo_id}", response_model=PhotoRead)
def update_photo(
    photo_id: PhotoId,
    data: PhotoUpdate,
    request: Request,
    session: SessionDep,
    _: FleetManager,
    settings: SettingsDep,
):
    """Set or lift the legal hold (pruning keeps held photos), or correct the kind (manager)."""
    photo = service.get_photo(session=session, photo_id=photo_id, actor=None, for_update=True)
    photo = service.update_photo(session=session, photo=photo, data=data)
    return photo_read(photo, request, settings)


@router.delete("/{photo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_photo(photo_id: PhotoId, session: SessionDep, _: FleetManager, settings: SettingsDep):
    """Delete a photo and its files (manager); 409 while it is on legal hold."""
    photo = service.get_photo(session=session, photo_id=photo_id, actor=None, for_update=True)
    service.delete_photo(session=session, storage=service.get_storage(settings), photo=photo)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _file_response(photo: Photo, access: FileAccess, request: Request, settings) -> Response:
    if photo.pruned_at is not None:
        raise NotFound(
            f"Photo {photo.id} was pruned on {photo.pruned_at.date().isoformat()}; "
            "only its record is kept"
        )
    storage = service.get_storage(settings)
    variant = access.variant
    if variant == "thumbnail":
        path, media_type, etag = photo.thumbnail_path, "image/jpeg", f'"{photo.sha256[:48]}-t"'
    elif variant == "display" and photo.display_path:
        path, media_type, etag = photo.display_path, "image/jpeg", f'"{photo.sha256[:48]}-j"'
    else:  # the original, byte for byte
        path, media_type, etag = photo.original_path, photo.content_type, f'"{photo.sha256}"'
    path = storage.resolve(path)
    # A browser may keep the file only as long as the link that fetched it is valid.
    max_age = settings.signed_url_minutes * 60
    if access.expires is not None:
        max_age = max(0, min(max_age, access.expires - int(time.time())))
    headers = {
        "ETag": etag,
        "Cache-Control": f"private, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if not path.is_file():
        raise NotFound(f"The file of photo {photo.id} is missing on the server")
    extension = path.suffix
    return FileResponse(
        path,
        media_type=media_type,
        headers=headers,
        content_disposition_type="inline",
        filename=f"photo-{photo.id}-{variant}{extension}",
    )


@router.api_route(
    "/{photo_id}/file",
    methods=["GET", "HEAD"],
    name="photo_file",
    responses={200: {"content": {"image/*": {}}}, 304: {"description": "Not modified"}},
)
def photo_file(
    access: Annotated[FileAccess, Depends(SignedOrBearer("file"))],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
):
    """The original, byte for byte; `?format=jpeg`: a JPEG rendition of a HEIC original
    (bearer token, or the signed `url`)."""
    photo = service.get_photo(session=session, photo_id=access.photo_id, actor=access.actor)
    return _file_response(photo, access, request, settings)


@router.api_route(
    "/{photo_id}/thumbnail",
    methods=["GET", "HEAD"],
    name="photo_thumbnail",
    responses={200: {"content": {"image/jpeg": {}}}, 304: {"description": "Not modified"}},
)
def photo_thumbnail(
    access: Annotated[FileAccess, Depends(SignedOrBearer("thumbnail"))],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
):
    """The thumbnail: JPEG, upright, long side at most 1024 px, no metadata."""
    photo = service.get_photo(session=session, photo_id=access.photo_id, actor=access.actor)
    return _file_response(photo, access, request, settings)
