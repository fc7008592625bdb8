"""Who is asking: the session cookie or a Bearer token, resolved once per request; CSRF
tokens bound to the browser's cookie; ``CurrentUser`` / ``require_admin`` dependencies.

One cookie does both jobs. Signed in, it holds the session token (its hash is in
``user_sessions``). Not signed in, it may hold a random *pre-session* value that is never
stored, only there so that anonymous forms (log in, sign up, reset) have a CSRF token too.
Log-in always sets a new random value, so nothing chosen before log-in (by the browser or by
an attacker who planted a cookie) survives it.

CSRF tokens are HMAC-SHA256 of the cookie value under the server's secret key
(accounts/secrets.py). A cross-site page cannot read the cookie (HttpOnly) or the token
(same-origin policy), and a token dies with its session. The key makes the token more than a
function of the cookie: whoever can *plant* a cookie (a sibling subdomain, a network attacker
on plain http) knows its value, but still cannot compute its token without asking this server
(docs/security.md#csrf-tokens). Requests authenticated by a Bearer token carry no ambient
credentials and are exempt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, Request

from paperfeed.accounts.api_tokens import TokenInfo, authenticate_token, needs_touch, touch_token
from paperfeed.accounts.secrets import new_token, secret_file, site_secret
from paperfeed.accounts.sessions import Lifetimes, record_use, resume_session
from paperfeed.accounts.users import BANNED_MESSAGE, Account
from paperfeed.errors import Forbidden, Unauthorized
from paperfeed.http.deps import app_now, primary_sessions
from paperfeed.settings import Settings
from paperfeed.store.db import session_scope

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class LoginRequired(Unauthorized):
    """Pages answer with a redirect to the log-in page, the API with 401 JSON."""

    def __init__(self, message: str = "Log in to do that.", *, next_path: str = "/"):
        super().__init__(message)
        self.next_path = next_path
        self.headers = {"WWW-Authenticate": 'Bearer realm="paperfeed"'}


class InvalidToken(Unauthorized):
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True)
class Auth:
    account: Account | None = None
    method: Literal["session", "token"] | None = None
    token: TokenInfo | None = None


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only, Path=/:
    # a sibling subdomain cannot plant or overwrite it.
    return "__Host-paperfeed_session" if settings.secure_cookies else "paperfeed_session"


def lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(hours=settings.session_idle_hours),
        absolute=timedelta(hours=settings.session_max_hours),
    )


def cookie_header(settings: Settings, value: str, *, max_age: int | None = None) -> str:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Lax, Path=/, Secure when configured."""
    parts = [f"{cookie_name(settings)}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if settings.secure_cookies:
        parts.append("Secure")
    return "; ".join(parts)


def set_session_cookie(response: Any, settings: Settings, token: str) -> None:
    max_age = int(settings.session_max_hours * 3600)
    response.headers.append("set-cookie", cookie_header(settings, token, max_age=max_age))


def clear_session_cookie(response: Any, settings: Settings) -> None:
    response.headers.append("set-cookie", cookie_header(settings, "", max_age=0))


# ---------------------------------------------------------------- who is asking


async def load_auth(request: Request) -> Auth:
    """App-wide dependency: resolve the caller once and keep it on ``request.state.auth``.

    A request with an ``Authorization: Bearer`` header is judged by that header alone (a bad
    token is a 401 even if a cookie would do); otherwise by the session cookie. Requests with
    neither never leave the event loop.
    """
    cached = getattr(request.state, "auth", None)
    if cached is not None:
        return cached
    settings: Settings = request.app.state.settings
    scheme = (request.headers.get("authorization") or "").partition(" ")[0]
    if scheme.lower() == "bearer" or request.cookies.get(cookie_name(settings)):
        auth = await anyio.to_thread.run_sync(_resolve, request)
    else:
        auth = Auth()
    request.state.auth = auth
    return auth


def _resolve(request: Request) -> Auth:
    settings: Settings = request.app.state.settings
    sessions = primary_sessions(request)
    scheme, _, credentials = (request.headers.get("authorization") or "").partition(" ")
    now = request_now(request)
    if scheme.lower() == "bearer":
        with session_scope(sessions, write=False) as session:
            use = authenticate_token(session, credentials.strip())
        if use is None:
            raise InvalidToken("Invalid or revoked API token.")
        if use.account.banned:
            raise Forbidden(BANNED_MESSAGE)
        if needs_touch(use.token, now):
            with session_scope(sessions) as session:
                touch_token(session, use.token.id, now=now)
        return Auth(use.account, "token", use.token)
    cookie = request.cookies.get(cookie_name(settings))
    spans = lifetimes(settings)
    with session_scope(sessions, write=False) as session:
        account, needs_write = resume_session(session, cookie, now=now, lifetimes=spans)
    if needs_write:
        with session_scope(sessions) as session:
            record_use(session, cookie, now=now, lifetimes=spans)
    return Auth(account, "session") if account is not None else Auth()


def request_now(request: Request) -> datetime:
    """The app's clock (tests pin it by overriding ``get_now``)."""
    return app_now(request.app)


def get_auth(request: Request) -> Auth:
    """The caller as resolved by :func:`load_auth` (anonymous where it did not run, e.g. on
    the error page of an unknown path)."""
    auth = getattr(request.state, "auth", None)
    return auth if auth is not None else Auth()


def current_user(request: Request) -> Account:
    """The signed-in account (session or API token), else LoginRequired."""
    account = get_auth(request).account
    if account is None:
        raise LoginRequired(next_path=_here(request))
    if account.banned:  # sessions end at the ban and tokens are refused: a last guard
        raise Forbidden(BANNED_MESSAGE)
    return account


BROWSER_ONLY = (
    "An API token cannot change the password, manage tokens or delete the account: "
    "sign in with your password in a browser to do that."
)


def browser_user(request: Request) -> Account:
    """The account signed in with a browser session, for what only the owner may do (change
    the password, create or revoke API tokens, delete the account). A Bearer token gets 403:
    a stolen token reads and writes content, but never takes the account over."""
    account = current_user(request)
    if get_auth(request).method != "session":
        raise Forbidden(BROWSER_ONLY)
    return account


def optional_user(request: Request) -> Account | None:
    return get_auth(request).account


def require_admin(request: Request) -> Account:
    """Admins only: members get 403, anonymous callers are sent to log in."""
    account = current_user(request)
    if not account.is_admin:
        raise Forbidden("This page is for admins only.")
    return account


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


AuthDep = Annotated[Auth, Depends(get_auth)]
CurrentUser = Annotated[Account, Depends(current_user)]
BrowserUser = Annotated[Account, Depends(browser_user)]
OptionalUser = Annotated[Account | None, Depends(optional_user)]
AdminUser = Annotated[Account, Depends(require_admin)]


# ---------------------------------------------------------------- CSRF


class CsrfFailed(Forbidden):
    pass


def csrf_key(request: Request) -> bytes:
    """The server's secret key, read (or made) once per app."""
    return csrf_key_of(request.app.state)


def csrf_key_of(state: Any) -> bytes:
    """:func:`csrf_key` from the app's state (for middleware, which has no request)."""
    key = getattr(state, "csrf_key", None)
    if key is None:
        settings: Settings = state.settings
        path = secret_file(settings.resolved_index_dir())
        key = state.csrf_key = site_secret(settings.secret_key, path)
    return key


def csrf_token_for(key: bytes, cookie_value: str) -> str:
    message = b"paperfeed csrf v2\0" + cookie_value.encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: every unsafe method needs the token of this browser's cookie, in
    the ``csrf_token`` form field or the ``X-CSRF-Token`` header; Bearer requests are exempt."""
    if request.method in SAFE_METHODS:
        return
    if get_auth(request).method == "token":
        return
    cookie = request.cookies.get(cookie_name(request.app.state.settings))
    if not cookie and request.url.path.startswith("/api/"):
        # No cookie, no ambient authority to abuse: the endpoint answers 401 if it needs a
        # user. Pages still need a token without a cookie (log-in CSRF).
        return
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if (
        not cookie
        or not sent
        or not hmac.compare_digest(sent, csrf_token_for(csrf_key(request), cookie))
    ):
        raise CsrfFailed(
            "This form has expired or did not come from this site (missing or invalid CSRF "
            "token). Go back, reload the page and try again."
        )


def browser_csrf_token(request: Request) -> str:
    """The CSRF token of this browser's cookie, for a form on a page (web/templating.py). A
    browser without a cookie gets a pre-session value, set on the way out by
    :class:`PreSessionCookie`."""
    settings = request.app.state.settings
    cookie = request.cookies.get(cookie_name(settings)) or getattr(
        request.state, "new_cookie", None
    )
    if not cookie:  # first form for this browser: a pre-session value, set on the way out
        cookie = request.state.new_cookie = new_token()
    return csrf_token_for(csrf_key(request), cookie)


class PreSessionCookie:
    """ASGI middleware: sends the pre-session cookie a page's ``csrf_token()`` minted."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                value = scope.get("state", {}).get("new_cookie")
                headers = list(message.get("headers", []))
                if value and not any(
                    k.lower() == b"set-cookie" and v.startswith(cookie_name(self.settings).encode())
                    for k, v in headers
                ):
                    headers.append((b"set-cookie", cookie_header(self.settings, value).encode()))
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))  # a per-browser page
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
