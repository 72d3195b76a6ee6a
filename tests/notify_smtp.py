"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1) that keeps what it receives."""

import email
import email.policy
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


def free_port() -> int:
    """A port nobody listens on now (aiosmtpd's port=0 does not report the port it got)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SMTPServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _controller: Controller | None = None
    # Recipients the server answers 550 to.
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 OK"

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()

    def wait_for(self, n: int, timeout: float = 5) -> list[Received]:
        """The first n messages, waiting up to `timeout` seconds for them (AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.messages)} of {n} messages arrived in {timeout} s"
                self._arrived.wait(left)
            return list(self.messages[:n])

    def start(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
        require_starttls: bool = False,
    ) -> "SMTPServer":
        kwargs = {}
        if credentials is not None:
            login, password = credentials

            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and (
                    auth_data.login.decode(),
                    auth_data.password.decode(),
                ) == (login, password)
                return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535

            kwargs.update(authenticator=authenticator, auth_required=True)
            kwargs["auth_require_tls"] = tls_context is not None
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls_context,
            require_starttls=require_starttls,
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
