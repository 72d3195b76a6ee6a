"""api.mail against a real SMTP server (aiosmtpd): plain, STARTTLS with a certificate made
here, SSL, login, a server that is down, no SMTP at all."""

import socket
import ssl
import subprocess
import time

import pytest

from api.config import Settings
from api.mail import MailError, MailNotConfigured, mail_configured, send_mail
from tests.notify_smtp import SMTPServer, free_port


def smtp_settings(port: int, **extra) -> Settings:
    values = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    values.update(extra)
    return Settings(mail_from="Frota <frota@frota.test>", **values)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (openssl), as (certificate, key) paths."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def trusting(certificate) -> ssl.SSLContext:
    """The client's default context, trusting the test certificate (the host name checked)."""
    return ssl.create_default_context(cafile=certificate[0])


def test_plain_and_html_in_one_message(smtp_server):
    settings = smtp_settings(smtp_server.port)
    send_mail(settings, "ana@frota.test", "Resumo diário", "3 itens vencem", "<p>3 itens</p>")
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@frota.test"]
    assert received.mail_from == "frota@frota.test"
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Resumo diário"
    assert message["From"] == "Frota <frota@frota.test>"
    assert message["To"] == "ana@frota.test"
    assert message["Message-ID"].endswith("@frota.test>")
    assert message["Date"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert plain.strip() == "3 itens vencem"
    assert html.strip() == "<p>3 itens</p>"


def test_text_only_and_several_recipients(smtp_server):
    to = ["a@frota.test", "b@frota.test"]
    send_mail(smtp_settings(smtp_server.port), to, "Teste", "só texto")
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["a@frota.test", "b@frota.test"]
    assert received.message.get_content_type() == "text/plain"
    assert received.message.get_content().strip() == "só texto"


def test_each_message_its_own_id(smtp_server):
    settings = smtp_settings(smtp_server.port)
    send_mail(settings, "a@frota.test", "1", "um")
    send_mail(settings, "a@frota.test", "2", "dois")
    first, second = smtp_server.wait_for(2)
    assert first.message["Message-ID"] != second.message["Message-ID"]


def test_refused_recipients_are_a_failure(smtp_server):
    smtp_server.refuse = {"gone@frota.test"}
    settings = smtp_settings(smtp_server.port)
    with pytest.raises(MailError, match=r"every recipient refused \(gone@frota.test: 550 5.1.1"):
        send_mail(settings, "gone@frota.test", "x", "y")
    assert smtp_server.messages == []
    # Some refused: the others get it, and the caller hears of the refused ones.
    with pytest.raises(MailError, match=r"some recipients refused \(gone@frota.test: 550"):
        send_mail(settings, ["gone@frota.test", "ana@frota.test"], "x", "y")
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["ana@frota.test"]
    smtp_server.clear()
    assert smtp_server.messages == []


def test_starttls_with_a_verified_certificate(certificate):
    server = SMTPServer(free_port()).start(
        tls_context=server_context(certificate), require_starttls=True
    )
    try:
        settings = smtp_settings(server.port, smtp_security="starttls")
        send_mail(settings, "a@frota.test", "TLS", "cifrado", ssl_context=trusting(certificate))
        (received,) = server.wait_for(1)
        assert received.message["Subject"] == "TLS"
        # The default context does not trust a self-signed certificate: refused, not sent.
        with pytest.raises(MailError, match=rf"127\.0\.0\.1:{server.port}.*certificate"):
            send_mail(settings, "a@frota.test", "TLS", "cifrado")
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_server_refusing_plain_text_when_starttls_required(certificate):
    """SMTP_SECURITY=none against a server that requires STARTTLS: a MailError, not a hang."""
    server = SMTPServer(free_port()).start(
        tls_context=server_context(certificate), require_starttls=True
    )
    try:
        with pytest.raises(MailError, match=rf"127\.0\.0\.1:{server.port}"):
            send_mail(smtp_settings(server.port), "a@frota.test", "x", "y")
        assert server.messages == []
    finally:
        server.stop()


def test_starttls_against_a_server_without_it(smtp_server):
    settings = smtp_settings(smtp_server.port, smtp_security="starttls")
    with pytest.raises(MailError, match=rf"127\.0\.0\.1:{smtp_server.port}.*SMTP_SECURITY"):
        send_mail(settings, "a@frota.test", "x", "y")
    assert smtp_server.messages == []


def test_login_with_username_and_password(certificate):
    server = SMTPServer(free_port()).start(
        tls_context=server_context(certificate), credentials=("frota", "s3nha")
    )
    try:
        settings = smtp_settings(
            server.port, smtp_security="starttls", smtp_username="frota", smtp_password="s3nha"
        )
        send_mail(settings, "a@frota.test", "Com login", "ok", ssl_context=trusting(certificate))
        assert server.wait_for(1)[0].message["Subject"] == "Com login"

        wrong = smtp_settings(
            server.port, smtp_security="starttls", smtp_username="frota", smtp_password="errada"
        )
        with pytest.raises(MailError, match=rf"127\.0\.0\.1:{server.port}: login refused"):
            send_mail(wrong, "a@frota.test", "x", "y", ssl_context=trusting(certificate))
        # No login at all where the server requires one.
        anonymous = smtp_settings(server.port, smtp_security="starttls")
        with pytest.raises(MailError, match=rf"127\.0\.0\.1:{server.port}"):
            send_mail(anonymous, "a@frota.test", "x", "y", ssl_context=trusting(certificate))
        assert len(server.messages) == 1
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_without_tls():
    server = SMTPServer(free_port()).start(credentials=("frota", "s3nha"))
    try:
        settings = smtp_settings(server.port, smtp_username="frota", smtp_password="s3nha")
        send_mail(settings, "a@frota.test", "Sem TLS", "ok")
        assert server.wait_for(1)[0].message["Subject"] == "Sem TLS"
    finally:
        server.stop()


def test_implicit_ssl(certificate):
    """SMTP_SECURITY=ssl: TLS from the first byte (aiosmtpd's server_context wraps the port)."""
    from aiosmtpd.controller import Controller

    port = free_port()
    server = SMTPServer(port)
    controller = Controller(
        server, hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        settings = smtp_settings(port, smtp_security="ssl")
        send_mail(settings, "a@frota.test", "SSL", "ok", ssl_context=trusting(certificate))
        assert server.wait_for(1)[0].message["Subject"] == "SSL"
    finally:
        controller.stop()


def test_a_server_that_is_down_fails_quickly_naming_it():
    port = free_port()  # nobody listens there
    settings = smtp_settings(port, smtp_timeout=5)
    started = time.monotonic()
    with pytest.raises(MailError, match=rf"^SMTP 127\.0\.0\.1:{port}: .*refused"):
        send_mail(settings, "a@frota.test", "x", "y")
    assert time.monotonic() - started < 2


def test_a_server_that_never_answers_times_out():
    """A listener that accepts and says nothing: SMTP_TIMEOUT ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = smtp_settings(port, smtp_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(MailError, match=rf"127\.0\.0\.1:{port}: .*timed out"):
            send_mail(settings, "a@frota.test", "x", "y")
        assert time.monotonic() - started < 3


def test_not_configured():
    settings = Settings(smtp_host="")
    assert not mail_configured(settings)
    assert mail_configured(smtp_settings(25))
    with pytest.raises(MailNotConfigured, match="SMTP_HOST"):
        send_mail(settings, "a@frota.test", "x", "y")
    assert issubclass(MailNotConfigured, MailError)
