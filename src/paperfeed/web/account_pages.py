"""Account pages: sign up (with an emailed confirmation), log in and out, and /account
(change password, API tokens, delete the account); a forgotten password is reset in
:mod:`paperfeed.web.password_reset_pages`.

Every POST form carries a CSRF token (checked app-wide by :func:`paperfeed.http.auth.verify_csrf`).
Form problems re-render the form with a message and status 400; nothing is written unless
the whole use case succeeds (each runs in one transaction). Emails are sent after the
response (BackgroundTasks), so how long a request takes never says whether mail was sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.accounts import api_tokens, emails, users
from paperfeed.accounts.identity import USERNAME_RULE, email_key
from paperfeed.accounts.sessions import end_session, start_session
from paperfeed.digest.personal import personal_digests
from paperfeed.digest.subscriptions import list_for_account
from paperfeed.errors import InvalidInput, PaperfeedError, RateLimited
from paperfeed.http import routing
from paperfeed.http.auth import (
    BrowserUser,
    CurrentUser,
    clear_session_cookie,
    cookie_name,
    lifetimes,
)
from paperfeed.http.deps import NowDep, PrimarySessions, SettingsDep, WriteSession
from paperfeed.http.ratelimits import client_ip, count_password_check, enforce, enforce_in
from paperfeed.store.db import session_scope
from paperfeed.web.account_forms import (
    logged_in,
    message_page,
    safe_next,
    send_or_log,
    tell_tokens_revoked,
    uncached_page,
)

router = routing.router(tags=["accounts"], include_in_schema=False)

FormText = Annotated[str, Form()]
LOGIN_FAILED = "Wrong username, email or password."  # one message for every failure
DONE = {
    "password": "Password changed. Every other browser has been signed out, and every API "
    "token revoked.",
    "revoked": "Token revoked: it no longer works.",
    "welcome": "Your email address is confirmed. Welcome!",
    "subscribed": "Subscribed: the digest will come to your address.",  # digests (issue 5)
    "unsubscribed": "Unsubscribed: that digest will not be sent any more.",
    "personal-on": "Saved: your digest will come to your address.",  # issue 15
    "personal-off": "Saved: that digest is off.",
}


# ---------------------------------------------------------------- log in / out


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "/"):
    return uncached_page(request, "login.html", {"next_path": safe_next(next), "login": ""})


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
        return uncached_page(request, "login.html", {**context, "error": exc.message}, 403)
    if account is None:
        return uncached_page(request, "login.html", {**context, "error": LOGIN_FAILED}, 400)
    return logged_in(settings, token, safe_next(next))


@router.post("/logout")
def logout(request: Request, session: WriteSession, settings: SettingsDep) -> Response:
    end_session(session, request.cookies.get(cookie_name(settings)))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, settings)
    return response


# ---------------------------------------------------------------- sign up


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request):
    return uncached_page(
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
        return uncached_page(request, "signup.html", context, 400)
    if result.outcome == "created":
        message = emails.confirm_signup(settings, result.user, result.token or "")
    else:  # the address has an account: tell its owner, and the visitor the same as always
        message = emails.signup_existing(settings, result.user)
    background.add_task(send_or_log, request.app.state.mailer, message)
    return message_page(
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
    response = uncached_page(request, "confirm_link.html", context)
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
        return message_page(
            request,
            "This link does not work",
            "It was already used, has expired, or was copied incompletely. Sign up again.",
            link={"href": "/signup", "text": "Sign up"},
            status=400,
        )
    return logged_in(settings, session_token, "/account?done=welcome")


# ---------------------------------------------------------------- /account


def _account_page(request: Request, sessions, account, status: int = 200, **extra: Any) -> Response:
    with session_scope(sessions, write=False) as session:
        tokens = api_tokens.list_tokens(session, account.id)
        digests = list_for_account(session, account)  # email digests (issue 5)
        personal = personal_digests(session, account.id)  # For you, Following (issue 15)
    context = {
        "tokens": tokens,
        "subscriptions": [d for d in digests if d.personal is None],
        "personal_digests": list(personal.values()),
        **extra,
    }
    return uncached_page(request, "account.html", context, status)


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request,
    sessions: PrimarySessions,
    account: CurrentUser,
    done: Annotated[str, Query(max_length=20)] = "",
):
    return _account_page(request, sessions, account, notice=DONE.get(done))


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
    tell_tokens_revoked(request, background, done, "changed")
    return logged_in(settings, token, "/account?done=password")


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
    response = message_page(
        request,
        "Account deleted",
        "Your account, its sessions, API tokens and email address have been removed.",
    )
    clear_session_cookie(response, settings)
    return response
