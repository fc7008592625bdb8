"""Forgotten password: ask for a reset link by email (``/reset``), then choose a new password
from the emailed link (``/reset/confirm``).

The answer to a request is the same whether the address has an account or not, and it is
sent before anything about the account is looked up (the link is made and mailed after the
response), so neither the page nor its timing tells who has an account. The emailed link
opens a page with a form: mail scanners that follow links do not use it up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from paperfeed.accounts import emails, users
from paperfeed.accounts.identity import login_key
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.deps import NowDep, PrimaryRead, PrimarySessions, SettingsDep
from paperfeed.http.ratelimits import client_ip, enforce
from paperfeed.store.db import session_scope
from paperfeed.web.account_forms import (
    message_page,
    send_or_log,
    tell_tokens_revoked,
    uncached_page,
)

router = routing.router(tags=["accounts"], include_in_schema=False)

FormText = Annotated[str, Form()]
RESET_SENT = (
    "If an account exists for that address, we have sent it a link to choose a new "
    "password. The link works once, for {minutes} minutes."
)


@router.get("/reset", response_class=HTMLResponse)
def reset_form(request: Request):
    return uncached_page(request, "reset_request.html", {})


@router.post("/reset", response_class=HTMLResponse)
def reset_request(
    request: Request,
    sessions: PrimarySessions,
    background: BackgroundTasks,
    settings: SettingsDep,
    now: NowDep,
    email: FormText = "",
) -> Response:
    enforce(request, "reset-ip", client_ip(request), settings.rate_limit_password_reset)
    enforce(request, "reset-email", login_key(email)[:254], settings.rate_limit_password_reset)
    # Nothing about the account happens before the page is sent: the time it takes cannot
    # tell whether the address has one (a known address costs a lookup, a token and a mail).
    background.add_task(_send_reset_link, sessions, request.app, email[:1000], now)
    return message_page(
        request,
        "Check your inbox",
        RESET_SENT.format(minutes=settings.password_reset_minutes),
        link={"href": "/login", "text": "Back to log in"},
    )


def _send_reset_link(sessions, app, email: str, now) -> None:
    """After the answer: a reset link for the account of ``email``, if there is one."""
    settings = app.state.settings
    with session_scope(sessions) as session:
        found = users.request_reset(
            session, email, now=now, ttl=timedelta(minutes=settings.password_reset_minutes)
        )
    if found is not None:
        account, token = found
        send_or_log(app.state.mailer, emails.reset_password(settings, account, token))


def _reset_page(request: Request, token: str, error: str | None = None, status: int = 200):
    context = {
        "heading": "Choose a new password",
        "action": "/reset/confirm",
        "token": token,
        "button": "Set password",
        "ask_password": True,
        "error": error,
    }
    response = uncached_page(request, "confirm_link.html", context, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _bad_reset_link(request: Request) -> Response:
    return message_page(
        request,
        "This link does not work",
        "It was already used, has expired, or was copied incompletely. Ask for a new one.",
        link={"href": "/reset", "text": "Reset your password"},
        status=400,
    )


@router.get("/reset/confirm", response_class=HTMLResponse)
def reset_confirm_form(
    request: Request,
    session: PrimaryRead,
    now: NowDep,
    token: Annotated[str, Query(max_length=200)] = "",
):
    from paperfeed.accounts.one_time import peek

    valid = peek(session, token, "reset", now=now) is not None
    return _reset_page(request, token) if valid else _bad_reset_link(request)


@router.post("/reset/confirm", response_class=HTMLResponse)
def reset_confirm(
    request: Request,
    sessions: PrimarySessions,
    background: BackgroundTasks,
    now: NowDep,
    token: FormText = "",
    password: FormText = "",
) -> Response:
    try:
        with session_scope(sessions) as session:
            done = users.reset_password(session, token, password, now=now)
    except InvalidInput as exc:
        return _reset_page(request, token, exc.message, 400)
    if done is None:
        return _bad_reset_link(request)
    tell_tokens_revoked(request, background, done, "reset")
    return message_page(
        request,
        "Password changed",
        "Your new password is set. Every browser that was signed in has been signed out, and "
        "every API token of the account revoked.",
        link={"href": "/login", "text": "Log in"},
    )
