"""The server helpers of tests/hardening, for the health tests that run a real server."""

from tests.hardening.conftest import server_admin_url, workdir  # noqa: F401 (fixtures)
