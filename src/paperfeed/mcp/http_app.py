"""``/mcp`` on the web app: the MCP server over streamable HTTP.

An ASGI endpoint routed at ``/mcp`` inside the FastAPI app, so every middleware of the app
wraps it as it wraps the pages: the public host pin (the Host is always ``base_url``'s), the
body limit (``max_body_bytes``), the security headers, the metrics. Its session manager
runs in the app's lifespan (:meth:`McpEndpoint.running`).

Stateless and JSON (``stateless_http``, ``json_response``): every POST carries one JSON-RPC
message and gets one JSON answer, no session lives in a worker's memory, so any worker of a
multi-worker server answers any call, as for the JSON API.

Who is asking is judged by ``Authorization: Bearer`` alone, with the JSON API's own code
(:func:`paperfeed.http.auth.load_auth`: the same API tokens, revoked ones refused, banned
accounts refused); cookies are ignored, so a browser's session can never be used from
another site through ``/mcp``. A bad token is a 401 in the API's JSON error shape, before
any MCP message is read; no token is an anonymous caller (read-only tools).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import urlsplit

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse

from paperfeed.errors import PaperfeedError
from paperfeed.http.auth import Auth, get_auth, load_auth, request_now
from paperfeed.http.ratelimits import client_ip
from paperfeed.mcp.calls import Caller, member_key
from paperfeed.mcp.server import build_server
from paperfeed.runtime import Runtime
from paperfeed.settings import Settings

PATH = "/mcp"


@functools.cache
def http_server() -> MCPServer:
    """The one MCP server of this process for every app (each call runs in its request's
    app's runtime): building its tools costs ~0.1 s of CPU, too much for every app."""
    return build_server(HttpCallers())


class HttpCallers:
    """The caller of a call over HTTP: the request's resolved :class:`Auth`, and its IP."""

    def runtime(self, ctx: Context) -> Runtime:
        return _request(ctx).app.state.runtime

    def caller(self, ctx: Context) -> Caller:
        request = _request(ctx)
        account = get_auth(request).account
        key = member_key(account) if account else f"ip:{client_ip(request)}"
        return Caller(account, key)

    def now(self, ctx: Context) -> datetime:
        return request_now(_request(ctx))  # the app's clock, as the routes read it


def _request(ctx: Context) -> Request:
    request = ctx.request_context.request
    if not isinstance(request, Request):
        raise RuntimeError("an MCP call over HTTP without its request")
    return request


class McpEndpoint:
    """The ASGI app at :data:`PATH`."""

    def __init__(self, server: MCPServer, settings: Settings):
        self.server = server
        self.settings = settings
        self.manager: StreamableHTTPSessionManager | None = None

    def _new_manager(self) -> StreamableHTTPSessionManager:
        base = urlsplit(self.settings.base_url)
        # Host is always base_url's (PublicHost); a browser's Origin must be this site's.
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[base.netloc],
            allowed_origins=[f"{base.scheme}://{base.netloc}"],
        )
        self.server.streamable_http_app(
            streamable_http_path=PATH,
            json_response=True,
            stateless_http=True,
            transport_security=security,
            max_request_body_size=self.settings.max_body_bytes,
        )
        return self.server.session_manager

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager, for the app's lifespan: a new one each time (a manager runs
        once, and tests enter an app's lifespan more than once)."""
        manager = self._new_manager()
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        try:
            await self._authenticate(request)
        except PaperfeedError as exc:
            body = {"ok": False, "error": exc.message, "status": exc.status}
            headers = getattr(exc, "headers", None) or {}
            await JSONResponse(body, status_code=exc.status, headers=headers)(scope, receive, send)
            return
        if self.manager is None:
            busy = {"ok": False, "error": "The MCP server is not running.", "status": 503}
            await JSONResponse(busy, status_code=503)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def _authenticate(self, request: Request) -> None:
        scheme = (request.headers.get("authorization") or "").partition(" ")[0]
        if scheme.lower() == "bearer":
            await load_auth(request)  # keeps the Auth on request.state; raises if refused
        else:
            request.state.auth = Auth()  # cookies are not credentials here
