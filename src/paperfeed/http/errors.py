"""Render errors per surface: JSON envelope under /api and the feeds, error.html elsewhere.

JSON shape (one shape for every error): {"ok": false, "error": "...", "status": 404}
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from paperfeed.errors import PaperfeedError
from paperfeed.http.arxiv_path import malformed_id_error

try:
    import psycopg
except ImportError:  # SQLite-only installs
    psycopg = None

logger = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    path = request.url.path
    # /for-you/feed/ is a member's private feed: feed readers get the JSON errors of /feeds.
    feeds = ("/api/", "/feeds/", "/for-you/feed/")
    return path.startswith(feeds) or path == "/api" or path.endswith(".json")


def error_response(request: Request, status: int, message: str) -> JSONResponse | HTMLResponse:
    if wants_json(request):
        return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
        parts.append(
            f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", "invalid")
        )
    return "invalid request: " + "; ".join(parts)


# A database that cannot answer is a fault of the surroundings, not a bug: PostgreSQL
# restarting or unreachable, a dropped connection, SQLite's lock held past the busy timeout
# or its disk full. Readers get a clear 503 (507 for a full disk) and never a 500; the pool
# replaces broken connections (pool_pre_ping), so the next request after recovery succeeds.
# Raw DBAPI errors are listed too: the response cache's version probe uses a raw connection.
_DATABASE_FAULTS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    sqlite3.OperationalError,
    *((psycopg.OperationalError, psycopg.InterfaceError) if psycopg else ()),
)

DATABASE_RETRY_AFTER = "5"
DISK_FULL = "database or disk is full"  # SQLITE_FULL's message


def database_fault(exc: BaseException) -> tuple[int, str] | None:
    """``(status, message)`` when ``exc`` says the database cannot answer now, else None."""
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if not (invalidated or isinstance(exc, _DATABASE_FAULTS)):
        return None
    orig = getattr(exc, "orig", None) or exc
    if DISK_FULL in str(exc) or getattr(orig, "sqlstate", None) == "53100":  # PG's disk_full
        return 507, "The server's disk is full, so nothing was saved; please try again later."
    return 503, "The database is not available right now; please try again in a few seconds."


def database_fault_response(request: Request, exc: BaseException):
    """The 503/507 response for a database fault (logged as one line), or None."""
    fault = database_fault(exc)
    if fault is None:
        return None
    status, message = fault
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    logger.warning("database fault on %s %s: %s", request.method, request.url.path, reason)
    response = error_response(request, status, message)
    response.headers["Retry-After"] = DATABASE_RETRY_AFTER
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PaperfeedError)
    async def _paperfeed_error(request: Request, exc: PaperfeedError):
        next_path = getattr(exc, "next_path", None)  # LoginRequired: pages go to log in
        if next_path is not None and not wants_json(request):
            target = next_path if request.method == "GET" else "/"
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        response = error_response(request, exc.status, exc.message)
        for key, value in (getattr(exc, "headers", None) or {}).items():
            response.headers[key] = value  # Retry-After, WWW-Authenticate
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, 400, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "error"
        status = exc.status_code
        if status == 404 and message == "Not Found":  # no route took the path
            message = f"Nothing at {request.url.path}"
            if (bad_id := malformed_id_error(request)) is not None:
                # A route of that shape exists but for the id: the API and the pages' actions
                # say so (400); a page asked for by its address is Not found, saying why.
                message = bad_id
                page_view = request.method in ("GET", "HEAD") and not wants_json(request)
                status = 404 if page_view else 400
        response = error_response(request, status, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    async def _database_fault(request: Request, exc: Exception):
        response = database_fault_response(request, exc)
        if response is None:
            raise exc  # a bug after all: UnhandledErrors answers 500 and logs it
        return response

    for fault in _DATABASE_FAULTS:  # raised in a route or a dependency
        app.add_exception_handler(fault, _database_fault)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # Only what a middleware outside UnhandledErrors raised gets here, from Starlette's
        # ServerErrorMiddleware, which re-raises it after this answer: the server logs the
        # traceback, so it is not logged here a second time.
        if (response := database_fault_response(request, exc)) is not None:
            return response
        logger.error("unhandled error on %s: %r (traceback below)", request.url.path, exc)
        return error_response(request, 500, INTERNAL_ERROR)

    app.add_middleware(UnhandledErrors)  # first, so innermost: see its docstring


INTERNAL_ERROR = "Internal error; it has been logged."


class UnhandledErrors:
    """Pure ASGI middleware: an exception no handler took becomes the 500 answer here and is
    logged once, with its traceback.

    Starlette's last resort for these (the ``Exception`` handler, run by its outermost
    ServerErrorMiddleware) re-raises after answering so that the server logs the error, and
    the server did: every unhandled error was logged twice. Innermost (installed before any
    other middleware), its 500 also passes through the middlewares that add security
    headers and count requests. Once the response has started, no answer can be given any
    more: the error is re-raised for the server to log (once) and to drop the connection.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except ClientDisconnect:
            return  # the client left while sending its body: nobody to answer, no bug
        except Exception as exc:
            if started:
                raise
            request = Request(scope)
            response = database_fault_response(request, exc)
            if response is None:
                logger.exception("unhandled error on %s %s", request.method, request.url.path)
                response = error_response(request, 500, INTERNAL_ERROR)
            await response(scope, receive, send)
