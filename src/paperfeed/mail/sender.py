"""Ways to send a message: SMTP (STARTTLS, SSL or plain, optional login) or the log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Literal, Protocol

from paperfeed.settings import Settings

logger = logging.getLogger(__name__)


class MailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise (``smtplib.SMTPException``, ``OSError``)."""


class SmtpSender:
    """One connection per message: account emails are rare, and a fresh connection never
    finds a server-side timeout. The digest outbox sends a batch over one connection
    (:meth:`batch`)."""

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
        with self.connect() as smtp:
            smtp.send_message(message)

    def connect(self) -> smtplib.SMTP:
        """A connected, secured and logged-in SMTP session (a context manager that QUITs)."""
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    @contextmanager
    def batch(self) -> Iterator[SmtpBatch]:
        """One connection for many messages (the digest outbox): see :class:`SmtpBatch`."""
        batch = SmtpBatch(self)
        try:
            yield batch
        finally:
            batch.close()


class SmtpBatch:
    """Sends many messages over one SMTP connection, opened at the first message. After a
    failure the caller calls :meth:`reset`; the next message then opens a new connection
    (the server may have dropped the old one, or left it in an unknown state)."""

    def __init__(self, sender: SmtpSender):
        self.sender = sender
        self.smtp: smtplib.SMTP | None = None
        self.sent_on_connection = 0

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self.sender.connect()
            self.sent_on_connection = 0
        self.smtp.send_message(message)
        self.sent_on_connection += 1

    def reset(self) -> None:
        """Drop the connection without a goodbye (it may be dead already)."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self.reset()


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
