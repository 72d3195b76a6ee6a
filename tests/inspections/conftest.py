"""The photo tests' fixtures, for the photos of failed items."""

from tests.photos.conftest import upload_dir  # noqa: F401
