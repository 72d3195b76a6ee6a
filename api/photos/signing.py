"""Signed, expiring photo URLs: an `<img>` cannot send a bearer token, so the URL carries proof."""

import base64
import hashlib
import hmac
import math
import time
from typing import Literal

Variant = Literal["file", "display", "thumbnail"]
_PURPOSE = b"frota/photo-url/v1"


class BadSignature(Exception):
    """The signature is not ours, or it has expired (the message says which)."""


def _key(secret_key: str) -> bytes:
    # A key of its own, so a URL signature can never stand in for anything else signed.
    return hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def _signature(secret_key: str, photo_id: int, variant: Variant, expires: int) -> str:
    message = f"{photo_id}:{variant}:{expires}".encode()
    digest = hmac.new(_key(secret_key), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(
    *, secret_key: str, photo_id: int, variant: Variant, minutes: int, now: float | None = None
) -> tuple[int, str]:
    """`(expires, signature)` for a URL valid for `minutes` (rounded up to a whole minute, so a
    page reloaded within the minute gets the same URL and the browser's cached copy)."""
    now = time.time() if now is None else now
    expires = math.ceil((now + minutes * 60) / 60) * 60
    return expires, _signature(secret_key, photo_id, variant, expires)


def verify(
    *,
    secret_key: str,
    photo_id: int,
    variant: Variant,
    expires: int,
    signature: str,
    now: float | None = None,
) -> None:
    expected = _signature(secret_key, photo_id, variant, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise BadSignature("Invalid signature for this photo link")
    if (time.time() if now is None else now) >= expires:
        raise BadSignature("This photo link has expired; fetch the photo again for a fresh one")
