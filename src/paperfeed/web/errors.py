"""Render errors per surface: JSON envelope under /api and /feeds, error.html elsewhere.

JSON shape (one shape for every error): {"ok": false, "error": "...", "status": 404}
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperfeed.errors import PaperfeedError

logger = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.endswith(".json")


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
        if exc.status_code == 404 and message == "Not Found":
            message = f"Nothing at {request.url.path}"
        response = error_response(request, exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        logger.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "Internal error; it has been logged.")
