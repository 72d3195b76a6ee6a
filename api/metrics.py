"""Prometheus metrics (the hardening work extends this: multi-process mode, request metrics)."""

from prometheus_client import Counter

UPLOADED_BYTES = Counter("frota_upload_bytes", "Bytes of photos stored")
UPLOADS = Counter("frota_uploads", "Photos stored")


def observe_upload(size_bytes: int) -> None:
    """Called by the photo service once a photo is committed."""
    UPLOADS.inc()
    UPLOADED_BYTES.inc(size_bytes)
