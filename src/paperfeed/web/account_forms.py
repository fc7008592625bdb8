"""What the account, password-reset and subscription pages share: pages that no cache keeps
(they hold a form's CSRF token or a reader's own data), the one-message page, a signed-in
redirect, the local ``next`` path after log-in, and mail sent after the answer.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from fastapi import BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.accounts import emails, users
from paperfeed.http.auth import set_session_cookie
from paperfeed.mail import MailSender
from paperfeed.settings import Settings
from paperfeed.web.templating import render

logger = logging.getLogger(__name__)

NO_STORE = "no-store"


def safe_next(value: str | None) -> str:
    """A local path to go to after log-in, or ``/``: never another site (open redirect)."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def uncached_page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    response = render(request, template, context, status_code=status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def message_page(
    request: Request, heading: str, *lines: str, link: dict | None = None, status=200
) -> HTMLResponse:
    return uncached_page(
        request, "message.html", {"heading": heading, "lines": lines, "link": link}, status
    )


def logged_in(settings: Settings, token: str, to: str) -> RedirectResponse:
    """Go to ``to`` with the new session ``token`` in the cookie."""
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(response, settings, token)
    response.headers["Cache-Control"] = NO_STORE
    return response


def send_or_log(sender: MailSender, message: EmailMessage) -> None:
    try:
        sender.send(message)
    except Exception:  # a mail failure must not break the page that was already answered
        logger.exception("could not send %r to %s", message["Subject"], message["To"])


def tell_tokens_revoked(
    request: Request, background: BackgroundTasks, done: users.PasswordSet, how: str
) -> None:
    """After a new password ended API tokens: email their names to the owner."""
    if done.revoked_tokens:
        message = emails.tokens_revoked(
            request.app.state.settings, done.account, done.revoked_tokens, how=how
        )
        background.add_task(send_or_log, request.app.state.mailer, message)
