"""The photo tests' live server and fleet."""

from tests.photos.conftest import live_fleet, live_server  # noqa: F401
