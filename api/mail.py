"""Placeholder (dropped at merge: api/mail.py is written by another helper)."""

import smtplib
from email.message import EmailMessage

from api.config import Settings


class MailError(Exception):
    """The message was not sent."""


class MailNotConfigured(MailError):
    """SMTP_HOST is unset."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def send_mail(
    settings: Settings, to: str | list[str], subject: str, text: str, html: str | None = None
) -> None:
    if not settings.smtp_host:
        raise MailNotConfigured("SMTP_HOST is unset: no e-mail is sent")
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
        ) as c:
            if settings.smtp_security == "starttls":
                c.starttls()
            c.send_message(message, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {error}") from error
