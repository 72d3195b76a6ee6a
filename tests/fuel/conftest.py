"""The photo tests' fixtures, for receipts."""

from tests.photos.conftest import fleet, upload_dir  # noqa: F401
