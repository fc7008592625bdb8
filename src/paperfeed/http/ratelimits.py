"""Rate limits for the web surfaces: ``enforce`` for handlers that choose their own keys (log
in: per IP), ``count_password_check`` for every password check (per account), and
``rate_limited(...)`` as a dependency for write endpoints.

Counts live in the database (:mod:`paperfeed.accounts.ratelimit`), committed in their own
short transaction so a refused or failed request still counts. Over the limit: 429 with
``Retry-After``, rendered as JSON under /api and as an HTML page elsewhere.

The client address is ``request.client.host``: the peer's, or the ``X-Forwarded-For`` address
when the peer is one of ``PAPERFEED_TRUSTED_PROXIES`` (uvicorn's proxy headers, as set up by
``paperfeed serve``); from anybody else the header is ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from paperfeed.accounts.ratelimit import hit, parse_rate
from paperfeed.accounts.users import account_limit_key, limit_key
from paperfeed.errors import RateLimited
from paperfeed.http.auth import get_auth, request_now
from paperfeed.http.deps import primary_sessions
from paperfeed.store.db import session_scope


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(request: Request, name: str, key: str, rate: str) -> None:
    """Count one hit of ``key`` under ``name`` at ``rate`` (a setting's text, e.g.
    ``20/5minutes``); raise RateLimited when over it."""
    with session_scope(primary_sessions(request)) as session:
        retry_after = hit(session, name, key, parse_rate(rate), now=request_now(request))
    if retry_after is not None:
        raise RateLimited(f"Too many attempts; try again in {_duration(retry_after)}.", retry_after)


def enforce_in(session, request: Request, name: str, key: str, rate: str) -> None:
    """Like :func:`enforce`, but counted in ``session``'s transaction: a limit on what
    requests did (sign-ups that mail an address), not on attempts. Raising rolls the count
    back with the rest, so a refused request writes nothing and only done ones count."""
    retry_after = hit(session, name, key, parse_rate(rate), now=request_now(request))
    if retry_after is not None:
        raise RateLimited(f"Too many attempts; try again in {_duration(retry_after)}.", retry_after)


ACCOUNT_BUCKET = "login-account"  # the bucket name predates the other password checks


def count_password_check(
    request: Request, *, login: str | None = None, user_id: int | None = None
) -> None:
    """Count one password check against the per-account limit (``rate_limit_login_account``)
    before it is made: log-in (``login``, the name or address typed) and every page that asks
    a signed-in user (``user_id``) for their current password share one bucket per account.
    Over the limit even the right password is refused until the window ends."""
    if user_id is not None:
        key = account_limit_key(user_id)
    else:  # whose name or address it is, so that both count as one account
        with session_scope(primary_sessions(request), write=False) as session:
            key = limit_key(session, login or "")
    enforce(request, ACCOUNT_BUCKET, key, request.app.state.settings.rate_limit_login_account)


def rate_limited(name: str, setting: str = "rate_limit_writes") -> Callable[..., None]:
    """A dependency limiting a write endpoint per signed-in user (per IP when anonymous):

    ``@router.post("/vote", dependencies=[Depends(rate_limited("vote"))])``

    ``setting`` names the Settings field holding the rate.
    """

    def check(request: Request) -> None:
        account = get_auth(request).account
        key = f"user:{account.id}" if account else f"ip:{client_ip(request)}"
        enforce(request, name, key, getattr(request.app.state.settings, setting))

    check.__name__ = f"rate_limited_{name}"
    return check


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"
