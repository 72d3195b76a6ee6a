"""E-mail over SMTP with the standard library (SMTP_HOST, SMTP_PORT, SMTP_SECURITY, ...): one
message in plain text and, optionally, HTML. Blocking: call it from a worker thread, not the
event loop. Any failure is a MailError naming the server, so a caller can record it."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from api.config import Settings


class MailError(Exception):
    """The message was not sent; the text says where and why."""


class MailNotConfigured(MailError):
    """SMTP_HOST is unset: nothing can be sent (callers skip, it is not a failure)."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def build_message(
    settings: Settings, to: list[str], subject: str, text: str, html: str | None = None
) -> EmailMessage:
    """The message: plain text, and HTML as its alternative when given."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(
    settings: Settings,
    to: str | list[str],
    subject: str,
    text: str,
    html: str | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send one message to `to` (an address or several). `ssl_context` replaces the default
    one (the system's trusted certificates, host name checked): for a test server's
    self-signed certificate."""
    if not settings.smtp_host:
        raise MailNotConfigured("SMTP_HOST is unset: no e-mail is sent")
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("no recipient")
    message = build_message(settings, recipients, subject, text, html)
    host, port, security = settings.smtp_host, settings.smtp_port, settings.smtp_security
    context = ssl_context or ssl.create_default_context()
    where = f"{host}:{port}"
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=settings.smtp_timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=settings.smtp_timeout)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                client.login(settings.smtp_username, password)
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"SMTP {where}: login refused ({_reason(error)})") from error
    except smtplib.SMTPRecipientsRefused as error:
        refused = _refused(error.recipients)
        raise MailError(f"SMTP {where}: every recipient refused ({refused})") from error
    except smtplib.SMTPNotSupportedError as error:
        raise MailError(f"SMTP {where}: {error} (check SMTP_SECURITY)") from error
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise MailError(f"SMTP {where}: {_reason(error)}") from error
    if refused:
        raise MailError(f"SMTP {where}: some recipients refused ({_refused(refused)})")


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, TimeoutError):
        return "timed out (SMTP_TIMEOUT)"
    return str(error) or type(error).__name__


def _refused(recipients: dict) -> str:
    return ", ".join(f"{to}: {code} {_text(reply)}" for to, (code, reply) in recipients.items())


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
