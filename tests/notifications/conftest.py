"""Settings pointing at the test's real SMTP server, and what it received, read back."""

import socket

import pytest

from api.config import get_settings


def mail_settings(smtp_server, **more):
    """The app's settings with SMTP at the test's server (no TLS, no login)."""
    return get_settings().model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_timeout": 5,
            "public_url": "https://frota.example.com",
            **more,
        }
    )


@pytest.fixture
def settings(smtp_server):
    return mail_settings(smtp_server)


def closed_port() -> int:
    """A port nobody listens on (SMTP down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def message(received):
    """The parsed e-mail, whether the server keeps it bare or with its envelope."""
    return getattr(received, "message", received)


def text_of(received) -> str:
    return message(received).get_body(("plain",)).get_content()


def html_of(received) -> str:
    return message(received).get_body(("html",)).get_content()


def to_of(received) -> str:
    return str(message(received)["To"])
