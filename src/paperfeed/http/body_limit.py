"""Refuse request bodies larger than ``settings.max_body_bytes`` before reading them (413).

nginx caps bodies in front of the app (``client_max_body_size`` in deploy/nginx.conf), but
the app may be reached directly, and Starlette reads a whole JSON or form body into memory
before a route sees it: a 50 MB body was read, parsed and only then refused.

Pure ASGI middleware, so nothing is buffered on the way:

- a ``Content-Length`` above the limit is answered 413 at once; the app is not called and
  not one byte of the body is received (``Connection: close``, so the server does not read
  the rest to keep the connection either);
- a body without a length (chunked) is counted as it streams; the chunk that crosses the
  limit raises :class:`BodyTooLarge` inside whatever is reading it, which the app's error
  handlers render as the same 413 (JSON under /api, a page elsewhere).

(FastAPI 0.165 has a ``max_body_size`` of its own; its early refusal answers in plain text,
not our error shape, and the versions we support lack it.)
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request

from paperfeed.http.errors import error_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, too_large_message(limit), headers={"Connection": "close"})


def too_large_message(limit: int) -> str:
    size = f"{limit} bytes"
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if limit >= scale:
            size = f"{limit / scale:.4g} {unit} ({limit} bytes)"
            break
    return f"Request body too large: at most {size}."


class BodyLimit:
    """``larger`` maps exact paths (file uploads: a library import) to their own limit."""

    def __init__(self, app, max_bytes: int, larger: Mapping[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            response = error_response(Request(scope), 413, too_large_message(limit))
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
