"""Email: build messages from Jinja templates (plain text + HTML) and send them over SMTP.

Senders share one small interface (:class:`MailSender`), so account emails now and the
digest outbox later send the same way, and a site without SMTP logs instead of failing.
"""

from paperfeed.mail.message import compose
from paperfeed.mail.sender import LogSender, MailSender, SmtpSender, make_sender

__all__ = ["LogSender", "MailSender", "SmtpSender", "compose", "make_sender"]
