"""How one MCP tool call or resource read runs: who is asking, the rate limit, a session,
and the service's errors turned into errors the client shows.

Both transports share this; they differ only in how they learn the caller
(:class:`CallerSource`): over HTTP from the request (``Authorization: Bearer``, resolved by
:mod:`paperfeed.mcp.http_app` with the JSON API's own code), over stdio from the token the
process was started with (:mod:`paperfeed.mcp.stdio`).

Every call counts one hit of ``rate_limit_mcp`` (per member, per client IP when anonymous),
in the same database counters as the web's limits; a save also counts against the JSON API's
``library`` bucket (``rate_limit_writes``), so MCP and the API share one budget of writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from paperfeed.accounts.ratelimit import hit, parse_rate
from paperfeed.accounts.users import Account
from paperfeed.errors import PaperfeedError, RateLimited, Unauthorized
from paperfeed.http.errors import database_fault
from paperfeed.store.db import session_scope

if TYPE_CHECKING:
    from paperfeed.runtime import Runtime

T = TypeVar("T")

MCP_BUCKET = "mcp"  # every tool call and resource read
LIBRARY_BUCKET = "library"  # the JSON API's bucket of library writes (api/save_routes.py)
LABELS = {
    400: "Invalid arguments",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    429: "Rate limited",
}
MEMBERS_ONLY = (
    "{tool} is for members: connect with a paperfeed API token (over HTTP the header "
    "'Authorization: Bearer pf_...'; for `paperfeed mcp`, --token or PAPERFEED_MCP_TOKEN). "
    "Make a token on your account page."
)


@dataclass(frozen=True)
class Caller:
    account: Account | None
    limit_key: str  # whose rate-limit bucket: user:<id>, or ip:<address> when anonymous


class CallerSource(Protocol):
    """How a transport learns the runtime a call runs in, who makes it, and its time."""

    def runtime(self, ctx: Context) -> Runtime: ...

    def caller(self, ctx: Context) -> Caller: ...

    def now(self, ctx: Context) -> datetime: ...


class Calls:
    """Runs the body of a tool or resource; bodies take ``(session, caller, now)``.

    The runtime is the call's (``callers.runtime(ctx)``: over HTTP the app's that received
    the request), so one server (its tools are costly to build: ~0.1 s) serves every app
    of a process."""

    def __init__(self, callers: CallerSource):
        self.callers = callers

    def runtime(self, ctx: Context) -> Runtime:
        return self.callers.runtime(ctx)

    def read(self, ctx: Context, body: Callable[[Session, Caller, datetime], T]) -> T:
        """A read anyone may make (tools)."""
        with tool_errors():
            return self._run(ctx, body, write=False, member=None)

    def resource(self, ctx: Context, body: Callable[[Session, Caller, datetime], T]) -> T:
        """A resource read: like :meth:`read`, failing with resource errors."""
        with resource_errors():
            return self._run(ctx, body, write=False, member=None)

    def member(self, ctx: Context, tool: str, body: Callable[[Session, Caller, datetime], T]) -> T:
        """A read of the caller's own things: refused without a member."""
        with tool_errors():
            return self._run(ctx, body, write=False, member=tool)

    def write(self, ctx: Context, tool: str, body: Callable[[Session, Caller, datetime], T]) -> T:
        """A write by the member, in one transaction, counted as a library write too."""
        with tool_errors():
            return self._run(ctx, body, write=True, member=tool)

    def _run(self, ctx, body, *, write: bool, member: str | None):
        runtime = self.callers.runtime(ctx)
        settings, sessions = runtime.settings, runtime.sessions
        caller = self.callers.caller(ctx)
        now = self.callers.now(ctx)
        if member is not None and caller.account is None:
            raise Unauthorized(MEMBERS_ONLY.format(tool=member))
        self._count(sessions, MCP_BUCKET, caller.limit_key, settings.rate_limit_mcp, now)
        if write:
            self._count(sessions, LIBRARY_BUCKET, caller.limit_key, settings.rate_limit_writes, now)
        with session_scope(sessions, write=write) as session:
            return body(session, caller, now)

    def _count(self, sessions, name: str, key: str, rate_text: str, now: datetime) -> None:
        """One hit, committed on its own: refused calls count too (as on the web)."""
        rate = parse_rate(rate_text)
        with session_scope(sessions) as session:
            retry_after = hit(session, name, key, rate, now=now)
        if retry_after is not None:
            raise RateLimited(
                f"too many calls (at most {rate.limit} per {rate.seconds} s); "
                f"try again in {retry_after} seconds",
                retry_after,
            )


def member_key(account: Account) -> str:
    """The rate-limit key of a member: the one the web's limits use (http/ratelimits.py)."""
    return f"user:{account.id}"


def error_text(exc: PaperfeedError) -> str:
    return f"{LABELS.get(exc.status, 'Error')}: {exc.message}"


class tool_errors:
    """The service's errors as tool errors (``isError`` results the client shows); a
    database that cannot answer says so instead of crashing the call."""

    error = ToolError
    not_found = ToolError

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if isinstance(exc, PaperfeedError):
            cls = self.not_found if exc.status == 404 else self.error
            raise cls(error_text(exc)) from exc
        if isinstance(exc, SQLAlchemyError) and (fault := database_fault(exc)) is not None:
            raise self.error(fault[1]) from exc
        return False


class resource_errors(tool_errors):
    error = ResourceError
    not_found = ResourceNotFoundError
