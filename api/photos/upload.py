"""Receive a multipart upload straight into a temporary file in UPLOAD_DIR, hashing as it comes.

FastAPI would parse the whole form (spooling the file to the system's temp dir) before the route
runs; reading `request.stream()` here writes each chunk once, to the right disk, and stops at the
size limit."""

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.concurrency import run_in_threadpool
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.errors import BadRequest, Invalid, UnsupportedMediaType
from api.photos.storage import PhotoStorage, UploadSink
from api.photos.upload_limit import PhotoTooLarge

FILE_FIELD = "file"
MAX_FIELD_BYTES = 1024
MAX_PARTS = 16
WRITE_BATCH_BYTES = 1 << 20  # written to disk (off the event loop) in pieces of about this size


@dataclass
class ReceivedUpload:
    path: Path
    sha256: str
    size_bytes: int
    fields: dict[str, str] = field(default_factory=dict)


class _PartReader:
    """python-multipart callbacks: small fields into a dict, the file into a buffer."""

    def __init__(self, storage: PhotoStorage, max_bytes: int):
        self.storage = storage
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.sink: UploadSink | None = None
        self.pending = bytearray()
        self.file_bytes = 0
        self.parts = 0
        self.finished = False
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._value = bytearray()
        self._in_file = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise BadRequest(f"Too many form fields (at most {MAX_PARTS})")
        self._headers = {}
        self._name = None
        self._value = bytearray()
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise BadRequest("A form part has no name")
        self._name = name.decode("utf-8", "replace")
        if self._name == FILE_FIELD:
            if self.sink is not None:
                raise Invalid("Send one photo per request (the form has two `file` parts)")
            self.sink = UploadSink(self.storage.temp_path(".part"))
            self._in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.file_bytes += end - start
            if self.file_bytes > self.max_bytes:
                raise PhotoTooLarge(self.max_bytes)
            self.pending += data[start:end]
        else:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                raise Invalid(f"Form field `{self._name}` is longer than {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        if not self._in_file and self._name is not None:
            self.fields[self._name] = self._value.decode("utf-8", "replace")
        self._in_file = False

    def on_end(self) -> None:
        self.finished = True


async def receive_upload(
    request: Request, *, storage: PhotoStorage, max_bytes: int
) -> ReceivedUpload:
    """Stream the `file` part into a temporary file; the caller owns (and removes) it."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise UnsupportedMediaType("Send the photo as multipart/form-data with a `file` part")
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart Content-Type has no boundary")
    reader = _PartReader(storage, max_bytes)
    parser = MultipartParser(boundary, reader.callbacks())
    try:
        async for chunk in _body(request):
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise BadRequest(f"Malformed multipart body: {exc}") from exc
            if len(reader.pending) >= WRITE_BATCH_BYTES:
                await _flush(reader)
        parser.finalize()
        if not reader.finished:
            raise BadRequest("The multipart body ended early; send the photo again")
        if reader.sink is None:
            raise Invalid("The form has no `file` part")
        await _flush(reader)
        await run_in_threadpool(reader.sink.close)
        if reader.sink.size_bytes == 0:
            raise Invalid("The photo file is empty")
    except BaseException:
        if reader.sink is not None:
            await run_in_threadpool(reader.sink.discard)
        raise
    return ReceivedUpload(
        path=reader.sink.path,
        sha256=reader.sink.sha256.hexdigest(),
        size_bytes=reader.sink.size_bytes,
        fields=reader.fields,
    )


async def _body(request: Request):
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect as exc:
        # Phones on mobile data drop out mid-upload: a client error, not a server one.
        raise BadRequest("The connection closed before the upload finished") from exc


async def _flush(reader: _PartReader) -> None:
    if reader.pending and reader.sink is not None:
        data = bytes(reader.pending)
        reader.pending.clear()
        await run_in_threadpool(reader.sink.write, data)
