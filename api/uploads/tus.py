"""The tus 1.0.0 protocol's own parts: its headers, its version check, its status codes.

https://tus.io/protocols/resumable-upload: core, creation, creation-with-upload, termination,
checksum (sha1, sha256) and expiration. The rules about photos live in service.py."""

import base64
import binascii
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BadRequest, FrotaError, PreconditionFailed, send_error

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
CONTENT_TYPE = "application/offset+octet-stream"
PATH = "/api/v1/uploads"
# Every header a browser client reads or sends (CORS allows and exposes them).
REQUEST_HEADERS = (
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Offset",
    "Upload-Metadata",
    "Upload-Checksum",
)
RESPONSE_HEADERS = (
    "Location",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Expires",
    "Upload-Metadata",
    "Photo-Location",
)


class ChecksumMismatch(FrotaError):
    status_code = 460  # tus checksum extension: "Checksum Mismatch"


class Gone(FrotaError):
    status_code = 410


class Locked(FrotaError):
    """Another request is writing to the upload (tus clients retry a 423)."""

    status_code = 423


class TooManyUploads(FrotaError):
    status_code = 429


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata: key base64value,key2 base64value2` (a value may be absent)."""
    metadata: dict[str, str] = {}
    for pair in (header or "").split(","):
        if not pair.strip():
            continue
        key, _, value = pair.strip().partition(" ")
        if not key or " " in value.strip():
            raise BadRequest(f"Upload-Metadata pair {pair.strip()!r} is not `key base64value`")
        try:
            metadata[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadRequest(f"Upload-Metadata value of {key!r} is not base64 of UTF-8") from exc
    return metadata


def parse_checksum(header: str | None):
    """`Upload-Checksum: sha256 <base64 digest>` → (a fresh hash object, the expected digest)."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadRequest(
            f"Upload-Checksum algorithm {algorithm!r} is not supported; "
            f"use one of {', '.join(CHECKSUM_ALGORITHMS)}"
        )
    try:
        expected = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as exc:
        raise BadRequest("Upload-Checksum digest is not base64") from exc
    return hashlib.new(algorithm), expected


def parse_length(value: str | None, name: str) -> int:
    if value is None or not value.isdigit():
        raise BadRequest(f"{name} must be a non-negative integer")
    return int(value)


class TusHeaders:
    """ASGI layer for /api/v1/uploads: 412 for a client of another protocol version, and
    `Tus-Resumable` on every response but OPTIONS (errors included, whoever raised them).
    `GET /uploads/{id}` is plain JSON, not tus, and needs no version."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_tus_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if method != "GET":
            version = dict(scope["headers"]).get(b"tus-resumable", b"").decode("latin-1")
            if version != TUS_VERSION:
                refusal = PreconditionFailed(
                    f"Tus-Resumable must be {TUS_VERSION}", headers={"Tus-Version": TUS_VERSION}
                )
                await send_error(scope, receive, send, refusal)
                return

        async def tus_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"tus-resumable", TUS_VERSION.encode()),
                ]
            await send(message)

        await self.app(scope, receive, tus_send)


def _is_tus_path(path: str) -> bool:
    return path == PATH or path.startswith(PATH + "/")
