"""Account pages: sign up (with an emailed confirmation), log in and out, reset a forgotten
password, and /account (change password, API tokens, delete the account).

Every POST form carries a CSRF token (checked app-wide by :func:`paperfeed.http.auth.verify_csrf`).
Form problems re-render the form with a message and status 400; nothing is written unless
the whole use case succeeds (each runs in one transaction). Emails are sent after the
response (BackgroundTasks), so how long a request takes never says whether mail was sent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.accounts import api_tokens, emails, users
from paperfeed.accounts.identity import USERNAME_RULE, email_key, login_key
from paperfeed.accounts.sessions import end_session, start_session
from paperfeed.digest.subscriptions import list_for_account
from paperfeed.errors import InvalidInput, PaperfeedError, RateLimited
from paperfeed.http import routing
from paperfeed.http.auth import (
    BrowserUser,
    CurrentUser,
    clear_session_cookie,
    cookie_name,
    lifetimes,
    set_session_cookie,
)
from paperfeed.http.deps import NowDep, PrimaryRead, PrimarySessions, SettingsDep, WriteSession
from paperfeed.http.ratelimits import client_ip, count_password_check, enforce, enforce_in
from paperfeed.mail import MailSender
from paperfeed.store.db import session_scope
from paperfeed.web.pages import render

logger = logging.getLogger(__name__)

router = routing.router(tags=["accounts"], include_in_schema=False)

NO_STORE = "no-store"
FormText = Annotated[str, Form()]
LOGIN_FAILED = "Wrong username, email or password."  # one message for every failure
RESET_SENT = (
    "If an account exists for that address, we have sent it a link to choose a new "
    "password. The link works once, for {minutes} minutes."
)
DONE = {
    "password": "Password changed. Every other browser has been signed out, and every API "
    "token revoked.",
    "revoked": "Token revoked: it no longer works.",
    "welcome": "Your email address is confirmed. Welcome!",
    "subscribed": "Subscribed: the digest will come to your address.",  # digests (issue 5)
    "unsubscribed": "Unsubscribed: that digest will not be sent any more.",
}


def safe_next(value: str | None) -> str:
    """A local path to go to after log-in, or ``/``: never another site (open redirect)."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200):
    response = render(request, template, context, status_code=status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _message(request: Request, heading: str, *lines: str, link: dict | None = None, status=200):
    return _page(
        request, "message.html", {"heading": heading, "lines": lines, "link": link}, status
    )


def _send(sender: MailSender, message: EmailMessage) -> None:
    try:
        sender.send(message)
    except Exception:  # a mail failure must not break the page that was already answered
        logger.exception("could not send %r to %s", message["Subject"], message["To"])


def _logged_in(request: Request, settings, token: str, to: str) -> RedirectResponse:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(response, settings, token)
    response.headers["Cache-Control"] = NO_STORE
    return response


# ---------------------------------------------------------------- log in / out


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "/"):
    return _page(request, "login.html", {"next_path": safe_next(next), "login": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    sessions: PrimarySessions,
    settings: SettingsDep,
    now: NowDep,
    login: FormText = "",
    password: FormText = "",
    next: FormText = "/",
) -> Response:
    enforce(request, "login-ip", client_ip(request), settings.rate_limit_login_ip)
    # Per account (its name and its address are one bucket); unknown names are counted too,
    # so the limit itself says nothing about who exists.
    count_password_check(request, login=login)
    context = {"next_path": safe_next(next), "login": login[:254]}
    old = request.cookies.get(cookie_name(settings))
    try:
        with session_scope(sessions) as session:
            account = users.authenticate(session, login, password)
            if account is not None:
                end_session(session, old)  # a fresh token: nothing from before survives
                token = start_session(session, account.id, now=now, lifetimes=lifetimes(settings))
    except users.LoginRefused as exc:
        return _page(request, "login.html", {**context, "error": exc.message}, 403)
    if account is None:
        return _page(request, "login.html", {**context, "error": LOGIN_FAILED}, 400)
    return _logged_in(request, settings, token, safe_next(next))


@router.post("/logout")
def logout(request: Request, session: WriteSession, settings: SettingsDep) -> Response:
    end_session(session, request.cookies.get(cookie_name(settings)))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, settings)
    return response


# ---------------------------------------------------------------- sign up


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request):
    return _page(
        request, "signup.html", {"username": "", "email": "", "username_rule": USERNAME_RULE}
    )


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    sessions: PrimarySessions,
    background: BackgroundTasks,
    settings: SettingsDep,
    now: NowDep,
    username: FormText = "",
    email: FormText = "",
    password: FormText = "",
) -> Response:
    enforce(request, "signup-ip", client_ip(request), settings.rate_limit_signup)
    try:
        with session_scope(sessions) as session:
            result = users.sign_up(
                session,
                username=username,
                email=email,
                password=password,
                now=now,
                confirm_ttl=timedelta(hours=settings.signup_confirm_hours),
            )
            # Per address too, from any IP: each sign-up below mails it. Both outcomes count
            # alike (nothing told about who has an account); one over the limit is undone.
            enforce_in(
                session,
                request,
                "signup-email",
                email_key(result.user.email),
                settings.rate_limit_signup_email,
            )
    except RateLimited:
        raise
    except PaperfeedError as exc:
        context = {
            "username": username[:32],
            "email": email[:254],
            "username_rule": USERNAME_RULE,
            "error": exc.message,
        }
        return _page(request, "signup.html", context, 400)
    if result.outcome == "created":
        message = emails.confirm_signup(settings, result.user, result.token or "")
    else:  # the address has an account: tell its owner, and the visitor the same as always
        message = emails.signup_existing(settings, result.user)
    background.add_task(_send, request.app.state.mailer, message)
    return _message(
        request,
        "Check your inbox",
        "We have sent a message to the address you gave. Follow the link in it to finish "
        f"signing up; it works for {settings.signup_confirm_hours} hours.",
    )


@router.get("/signup/confirm", response_class=HTMLResponse)
def signup_confirm_form(request: Request, token: Annotated[str, Query(max_length=200)] = ""):
    context = {
        "heading": "Confirm your email address",
        "action": "/signup/confirm",
        "token": token,
        "button": "Confirm and log in",
    }
    response = _page(request, "confirm_link.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/signup/confirm", response_class=HTMLResponse)
def signup_confirm(
    request: Request,
    sessions: PrimarySessions,
    settings: SettingsDep,
    now: NowDep,
    token: FormText = "",
) -> Response:
    with session_scope(sessions) as session:
        account = users.confirm_email(session, token, now=now)
        if account is not None:
            session_token = start_session(
                session, account.id, now=now, lifetimes=lifetimes(settings)
            )
    if account is None:
        return _message(
            request,
            "This link does not work",
            "It was already used, has expired, or was copied incompletely. Sign up again.",
            link={"href": "/signup", "text": "Sign up"},
            status=400,
        )
    return _logged_in(request, settings, session_token, "/account?done=welcome")


# ---------------------------------------------------------------- forgotten password


@router.get("/reset", response_class=HTMLResponse)
def reset_form(request: Request):
    return _page(request, "reset_request.html", {})


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
    return _message(
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
        _send(app.state.mailer, emails.reset_password(settings, account, token))


def _reset_page(request: Request, token: str, error: str | None = None, status: int = 200):
    context = {
        "heading": "Choose a new password",
        "action": "/reset/confirm",
        "token": token,
        "button": "Set password",
        "ask_password": True,
        "error": error,
    }
    response = _page(request, "confirm_link.html", context, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _bad_reset_link(request: Request) -> Response:
    return _message(
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
    _tell_tokens_revoked(request, background, done, "reset")
    return _message(
        request,
        "Password changed",
        "Your new password is set. Every browser that was signed in has been signed out, and "
        "every API token of the account revoked.",
        link={"href": "/login", "text": "Log in"},
    )


# ---------------------------------------------------------------- /account


def _account_page(request: Request, sessions, account, status: int = 200, **extra: Any) -> Response:
    with session_scope(sessions, write=False) as session:
        tokens = api_tokens.list_tokens(session, account.id)
        digests = list_for_account(session, account)  # email digests (issue 5)
    context = {"tokens": tokens, "subscriptions": digests, **extra}
    return _page(request, "account.html", context, status)


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request,
    sessions: PrimarySessions,
    account: CurrentUser,
    done: Annotated[str, Query(max_length=20)] = "",
):
    return _account_page(request, sessions, account, notice=DONE.get(done))


def _tell_tokens_revoked(
    request: Request, background: BackgroundTasks, done: users.PasswordSet, how: str
) -> None:
    """After a new password ended API tokens: email their names to the owner."""
    if done.revoked_tokens:
        message = emails.tokens_revoked(
            request.app.state.settings, done.account, done.revoked_tokens, how=how
        )
        background.add_task(_send, request.app.state.mailer, message)


# The routes below that ask for the current password take BrowserUser (a session, never a
# Bearer token) and count the check with count_password_check before it is made.


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    sessions: PrimarySessions,
    background: BackgroundTasks,
    account: BrowserUser,
    settings: SettingsDep,
    now: NowDep,
    current_password: FormText = "",
    new_password: FormText = "",
) -> Response:
    count_password_check(request, user_id=account.id)
    try:
        with session_scope(sessions) as session:
            done = users.change_password(
                session, account.id, current=current_password, new=new_password, now=now
            )
            token = start_session(session, account.id, now=now, lifetimes=lifetimes(settings))
    except InvalidInput as exc:
        return _account_page(request, sessions, account, 400, error=exc.message)
    _tell_tokens_revoked(request, background, done, "changed")
    return _logged_in(request, settings, token, "/account?done=password")


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    sessions: PrimarySessions,
    account: BrowserUser,
    now: NowDep,
    name: FormText = "",
    password: FormText = "",
) -> Response:
    """A new API token: the current password is asked in the same form, so a stolen session
    cannot mint a token that outlives it."""
    count_password_check(request, user_id=account.id)
    try:
        with session_scope(sessions) as session:
            users.confirm_password(
                session, account.id, password, wrong="The password is not right; no token made."
            )
            info, raw = api_tokens.create_token(session, account.id, name, now=now)
    except InvalidInput as exc:
        return _account_page(request, sessions, account, 400, error=exc.message)
    return _account_page(request, sessions, account, new_token=info, new_token_value=raw)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(session: WriteSession, account: BrowserUser, token_id: int) -> Response:
    api_tokens.revoke_token(session, account.id, token_id)
    return RedirectResponse("/account?done=revoked", status_code=303)


@router.post("/account/delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    sessions: PrimarySessions,
    account: BrowserUser,
    settings: SettingsDep,
    password: FormText = "",
) -> Response:
    count_password_check(request, user_id=account.id)
    try:
        with session_scope(sessions) as session:
            users.delete_account(session, account.id, password=password)
    except InvalidInput as exc:
        return _account_page(request, sessions, account, 400, error=exc.message)
    request.state.auth = None  # the page below is rendered signed out
    response = _message(
        request,
        "Account deleted",
        "Your account, its sessions, API tokens and email address have been removed.",
    )
    clear_session_cookie(response, settings)
    return response
