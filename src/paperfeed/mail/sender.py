"""Ways to send a message: SMTP (STARTTLS, SSL or plain, optional login) or the log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Literal, Protocol

from paperfeed.settings import Settings

logger = logging.getLogger(__name__)


class MailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise (``smtplib.SMTPException``, ``OSError``)."""


class SmtpSender:
    """One connection per message: account emails are rare, and a fresh connection never
    finds a server-side timeout. The digest outbox can batch on its own connection later."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        security: Literal["starttls", "ssl", "none"] = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
    ):
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class LogSender:
    """For sites without SMTP: each message is logged as not sent (never its body, which may
    hold a password-reset link)."""

    def send(self, message: EmailMessage) -> None:
        logger.warning(
            "email not sent (set PAPERFEED_SMTP_HOST): %r to %s", message["Subject"], message["To"]
        )


def make_sender(settings: Settings) -> MailSender:
    if not settings.smtp_host:
        return LogSender()
    return SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
    )
