"""`/api/v1/uploads`: tus 1.0.0 resumable photo uploads (see tus.py and service.py).

Every route is async and streams: bytes go to disk in the thread pool, in batches, and no
database session is open while they arrive (only creation and completion open one, briefly)."""

from email.utils import format_datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from api.deps import CurrentActor, SettingsDep
from api.errors import BadRequest, Conflict, PayloadTooLarge, UnsupportedMediaType
from api.photos.service import get_storage
from api.uploads import service, tus
from api.uploads.schemas import UploadRead

router = APIRouter(prefix="/uploads", tags=["uploads"])

BATCH_BYTES = 1 << 20  # fsynced and acknowledged in steps of about this size
IDLE_SECONDS = 60  # a PATCH that sends nothing for this long ends, keeping what it sent
# A client back from a dead zone often asks before the server has noticed the old connection
# is gone: HEAD and PATCH wait this long for that request to save what it got, then 423.
LOCK_WAIT_SECONDS = 10


def _headers(state: service.UploadState) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(state.offset),
        "Upload-Expires": format_datetime(state.expires_at, usegmt=True),
        "Cache-Control": "no-store",
    }
    if state.photo_id is not None:
        headers["Photo-Location"] = f"/api/v1/photos/{state.photo_id}"
    return headers


@router.options("", status_code=status.HTTP_204_NO_CONTENT)
@router.options("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, include_in_schema=False)
async def tus_options(settings: SettingsDep) -> Response:
    """What this tus server supports (no token needed)."""
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={
            "Tus-Version": tus.TUS_VERSION,
            "Tus-Extension": tus.EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_mb * 1024 * 1024),
            "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
        },
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_upload(
    request: Request,
    actor: CurrentActor,
    settings: SettingsDep,
    upload_length: Annotated[str | None, Header()] = None,
    upload_metadata: Annotated[str | None, Header()] = None,
    content_type: Annotated[str | None, Header()] = None,
) -> Response:
    """Start an upload: `Upload-Length`, `Upload-Metadata` (`vehicle_id`, `kind`, optional
    `trip_id`, `taken_at`, `filename`, `idempotency_key`). With a body
    (`application/offset+octet-stream`) its first bytes come along (creation-with-upload)."""
    length = tus.parse_length(upload_length, "Upload-Length")
    metadata = tus.parse_metadata(upload_metadata)
    storage = get_storage(settings)
    state = await run_in_threadpool(
        service.create,
        storage=storage,
        settings=settings,
        actor=actor,
        length=length,
        raw_metadata=upload_metadata or "",
        metadata=metadata,
    )
    location = str(request.url_for("upload_status", upload_id=state.id))
    if content_type is not None and _is_tus_body(content_type):
        state = await _append(request, storage, actor, settings, state.id, 0, None)
    return Response(
        status_code=status.HTTP_201_CREATED, headers={"Location": location, **_headers(state)}
    )


@router.head("/{upload_id}")
async def upload_offset(upload_id: str, actor: CurrentActor, settings: SettingsDep) -> Response:
    """Where to resume: `Upload-Offset` (never cached)."""
    appender = await _lock(get_storage(settings), actor, upload_id)
    await run_in_threadpool(appender.close)
    state = appender.state
    headers = {**_headers(state), "Upload-Length": str(state.length)}
    if state.raw_metadata:
        headers["Upload-Metadata"] = state.raw_metadata
    return Response(status_code=status.HTTP_200_OK, headers=headers)


@router.patch("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT)
async def append_upload(
    request: Request,
    upload_id: str,
    actor: CurrentActor,
    settings: SettingsDep,
    upload_offset: Annotated[str | None, Header()] = None,
    upload_checksum: Annotated[str | None, Header()] = None,
    content_type: Annotated[str | None, Header()] = None,
) -> Response:
    """Append bytes at `Upload-Offset`. The last ones store the photo: 204 with
    `Photo-Location`, or 422 with the reason (and the upload is gone)."""
    if content_type is None or not _is_tus_body(content_type):
        raise UnsupportedMediaType(f"PATCH bodies are {tus.CONTENT_TYPE}")
    offset = tus.parse_length(upload_offset, "Upload-Offset")
    checksum = tus.parse_checksum(upload_checksum)
    state = await _append(
        request, get_storage(settings), actor, settings, upload_id, offset, checksum
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=_headers(state))


@router.delete("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT)
async def terminate_upload(upload_id: str, actor: CurrentActor, settings: SettingsDep) -> Response:
    """Give up an upload: its bytes are removed (a photo it became stays)."""
    await run_in_threadpool(service.terminate, get_storage(settings), actor, upload_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{upload_id}", response_model=UploadRead, name="upload_status")
async def upload_status(upload_id: str, actor: CurrentActor, settings: SettingsDep):
    """Where an upload stands, as JSON: offset, length, expiry and the photo it became."""
    state = await run_in_threadpool(service.load, get_storage(settings), actor, upload_id)
    return UploadRead(
        offset=state.offset,
        length=state.length,
        expires_at=state.expires_at,
        photo_id=state.photo_id,
    )


def _is_tus_body(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == tus.CONTENT_TYPE


async def _append(request, storage, actor, settings, upload_id, offset, checksum):
    """Receive the body into the upload at `offset` and store the photo once all is in."""
    appender = await _lock(storage, actor, upload_id)
    try:
        state = appender.state
        if offset != state.offset:
            raise Conflict(f"Upload-Offset is {offset} but the upload is at {state.offset}")
        if not state.finished:
            await _receive(request, appender, checksum)
            if appender.state.offset == state.length:
                await run_in_threadpool(
                    appender.complete, storage=storage, actor=actor, settings=settings
                )
        return appender.state
    finally:
        await run_in_threadpool(appender.close)


async def _lock(storage, actor, upload_id: str) -> service.Appender:
    """The upload's writer lock, waited for on the event loop (no thread sleeps on it)."""
    deadline = anyio.current_time() + LOCK_WAIT_SECONDS
    while True:
        try:
            return await run_in_threadpool(service.Appender, storage, actor, upload_id)
        except tus.Locked:
            if anyio.current_time() > deadline:
                raise
            await anyio.sleep(0.1)


async def _receive(request: Request, appender: service.Appender, checksum) -> None:
    """Stream the body to the file. Without a checksum every batch is acknowledged as it is
    fsynced, and a cut connection keeps what arrived; with one, the whole chunk or nothing."""
    hasher, expected = checksum if checksum else (None, None)
    batch = bytearray()
    length = appender.state.length
    try:
        async for chunk in _chunks(request):
            if appender.position + len(batch) + len(chunk) > length:
                raise PayloadTooLarge(f"The body goes past Upload-Length ({length} bytes)")
            batch += chunk
            if hasher is not None:
                hasher.update(chunk)
            if len(batch) >= BATCH_BYTES:
                await _flush(appender, batch, commit=hasher is None)
    except (ClientDisconnect, TimeoutError) as exc:
        if hasher is None:
            await _flush(appender, batch, commit=True)
        else:
            await run_in_threadpool(appender.discard)
        raise BadRequest(
            f"The connection stopped sending; resume at offset {appender.state.offset}"
        ) from exc
    except BaseException:
        await run_in_threadpool(appender.discard)
        raise
    await _flush(appender, batch, commit=hasher is None)
    if hasher is not None:
        if hasher.digest() != expected:
            await run_in_threadpool(appender.discard)
            raise tus.ChecksumMismatch(
                f"Upload-Checksum does not match the chunk; it was discarded, "
                f"resend from offset {appender.state.offset}"
            )
        await run_in_threadpool(appender.commit)


async def _flush(appender: service.Appender, batch: bytearray, *, commit: bool) -> None:
    data = bytes(batch)
    batch.clear()

    def write() -> None:
        if data:
            appender.write(data)
        if commit:
            appender.commit()

    await run_in_threadpool(write)


async def _chunks(request: Request):
    stream = request.stream().__aiter__()
    while True:
        with anyio.fail_after(IDLE_SECONDS):
            try:
                chunk = await stream.__anext__()
            except StopAsyncIteration:
                return
        if chunk:
            yield chunk
