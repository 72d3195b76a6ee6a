"""Helpers for the tus tests; the photo tests' fixtures (upload_dir, fleet, live_server, ...)."""

import base64

from tests.conftest import auth
from tests.photos.conftest import fleet, live_fleet, live_server, upload_dir  # noqa: F401

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}


def metadata(**fields) -> str:
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in fields.items()
    )


def create(client, user, length: int, body: bytes | None = None, **fields):
    headers = {**TUS, **auth(user), "Upload-Length": str(length)}
    if fields:
        headers["Upload-Metadata"] = metadata(**fields)
    if body is not None:
        headers.update(OCTETS)
    return client.post("/api/v1/uploads", headers=headers, content=body)


def patch(client, user, location: str, offset: int, body: bytes, **headers):
    return client.patch(
        location,
        headers={**TUS, **OCTETS, **auth(user), "Upload-Offset": str(offset), **headers},
        content=body,
    )
