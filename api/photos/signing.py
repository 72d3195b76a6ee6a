"""Signed, expiring photo URLs: an `<img>` cannot send a bearer token, so the URL carries proof."""

import base64
import hmac
import math
import time
from functools import lru_cache
from typing import Literal

Variant = Literal["file", "display", "thumbnail"]
_PURPOSE = b"frota/photo-url/v1"


class BadSignature(Exception):
    """The signature is not ours, or it has expired (the message says which)."""


@lru_cache(maxsize=8)
def _key(secret_key: str) -> bytes:
    # A key of its own, so a URL signature can never stand in for anything else signed.
    return hmac.digest(secret_key.encode(), _PURPOSE, "sha256")


@lru_cache(maxsize=16384)
def url_signature(secret_key: str, photo_id: int, variant: Variant, expires: int) -> str:
    """The signature of one URL (a list signs 100 of them: one-shot HMAC, cached key). Cached:
    `expires` is rounded to the minute, so a page listed again within it signs nothing anew."""
    digest = hmac.digest(_key(secret_key), f"{photo_id}:{variant}:{expires}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def expiry(minutes: int, now: float | None = None) -> int:
    """When a URL signed now for `minutes` expires: rounded up to a whole minute, so a page
    reloaded within the minute gets the same URL and the browser's cached copy."""
    now = time.time() if now is None else now
    return math.ceil((now + minutes * 60) / 60) * 60


def verify(
    *,
    secret_key: str,
    photo_id: int,
    variant: Variant,
    expires: int,
    signature: str,
    now: float | None = None,
) -> None:
    expected = url_signature(secret_key, photo_id, variant, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise BadSignature("Invalid signature for this photo link")
    if (time.time() if now is None else now) >= expires:
        raise BadSignature("This photo link has expired; fetch the photo again for a fresh one")
