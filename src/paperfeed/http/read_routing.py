"""Reads from a replica (``PAPERFEED_DATABASE_REPLICA_URL``), writes and fresh reads from the
primary.

Which server a request reads from is decided once, by :func:`read_sessions`, for the session
that route handlers get from ``ReadSession``: a GET or HEAD reads from the replica unless the
browser wrote something in the last ``read_primary_seconds``. Everything else keeps using
the primary (``app.state.sessions``; the other dependencies of :mod:`paperfeed.http.deps`):
every write, who-is-asking (sessions, tokens), rate limits, health checks.

Read-your-own-writes: every response to an unsafe method (POST, PUT, PATCH, DELETE: a vote,
a comment, a submission, a log-in) sets a short-lived cookie, and a request carrying it reads
from the primary until it expires. The cookie holds no secret and grants nothing; a client
that forges it only moves its own reads to the primary. A request with any cookie also
bypasses the response cache, so the writer never gets a cached page from before its write.
API clients that send no cookies read from the replica: a replica is normally milliseconds
behind, and a client that must read its write at once can keep cookies.
"""

from __future__ import annotations

import math

from fastapi import FastAPI, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.settings import Settings

PRIMARY_COOKIE = "paperfeed_read_primary"
READ_METHODS = frozenset({"GET", "HEAD"})


def install_read_routing(
    app: FastAPI,
    settings: Settings,
    replica_engine: Engine | None,
    replica_sessions: sessionmaker[Session] | None,
) -> None:
    """With a replica (opened by the runtime): keep it on ``app.state.replica_engine`` and
    ``replica_sessions``, and add the middleware that marks writers. Without one, reads stay
    on the primary."""
    app.state.replica_engine, app.state.replica_sessions = replica_engine, replica_sessions
    if replica_sessions is not None and settings.read_primary_seconds > 0:
        app.add_middleware(ReadYourWrites, settings=settings)


def read_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory this request reads from: the replica or the primary."""
    state = request.app.state
    replica = getattr(state, "replica_sessions", None)
    if replica is None or request.method not in READ_METHODS or request.cookies.get(PRIMARY_COOKIE):
        return state.sessions
    return replica


class ReadYourWrites:
    """ASGI middleware: responses to unsafe methods carry the read-from-primary cookie."""

    def __init__(self, app, settings: Settings):
        self.app = app
        parts = [
            f"{PRIMARY_COOKIE}=1",
            "Path=/",
            f"Max-Age={max(1, math.ceil(settings.read_primary_seconds))}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if settings.secure_cookies:
            parts.append("Secure")
        self.cookie = "; ".join(parts).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return

        async def mark(message):
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"set-cookie", self.cookie)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, mark)
