"""Requests reach the application with the configured public host and scheme (``base_url``),
whatever Host the client sent.

Our own absolute URLs (feeds, emails, the API's ``Link`` headers) are built from
``settings.base_url``. The framework builds some from the request instead: Starlette's
trailing-slash redirect answered ``GET /search/`` with ``Location: http://<Host>/search``,
and ``request.url`` / ``url_for`` carry the Host too. Behind a proxy that forwards any Host
that host is the client's choice (issue 12: a cached response carried
``Link: <http://attacker.example/...>`` to every reader). Pinning Host and scheme here, once,
makes whatever the framework builds agree with ``base_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class PublicHost:
    """Pure ASGI middleware. It changes the scope in place (as uvicorn's proxy-headers
    middleware does): the middlewares outside it (the metrics, the security headers) read the
    route the router leaves in that same scope, and a copy would hide it from them."""

    def __init__(self, app, *, base_url: str):
        parts = urlsplit(base_url)
        self.app = app
        self.host = parts.netloc.encode("idna")
        self.scheme = parts.scheme

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", self.host))
            scope["headers"] = headers
            scope["scheme"] = self.scheme
        await self.app(scope, receive, send)
