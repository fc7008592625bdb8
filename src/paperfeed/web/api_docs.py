"""``/docs`` (Swagger UI) and ``/redoc``: the OpenAPI schema rendered by vendored copies of
swagger-ui-dist and redoc (``static/vendor/``, README there), not by FastAPI's built-in pages:
those load a floating CDN version and start Swagger UI with an inline script, which the
site's Content-Security-Policy refuses (:mod:`paperfeed.http.security_headers`). Swagger UI and
Redoc are started by ``static/swagger-init.js`` and ``static/redoc-init.js`` instead.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import HTMLResponse

from paperfeed.http import routing
from paperfeed.http.security_headers import csp
from paperfeed.web.templating import render

# swagger-ui-dist and redoc versions: the cache-busting query of the vendored files
VENDORED = "swagger-ui-5.35.0.redoc-2.5.4"

# The two <style> elements redoc.standalone.js 2.5.4 adds when it loads, before Redoc.init can
# pass it the nonce: an empty one and its bundled CSS, allowed by their hashes (Chromium's CSP
# report names them; a new Redoc version may need new ones, see static/vendor/README.md).
REDOC_STYLES = (
    "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=",
)

router = routing.router(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "api_swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    # Redoc (styled-components) writes its CSS into <style> elements: they are allowed by a
    # nonce of this response alone, which static/redoc-init.js hands to Redoc.init.
    nonce = secrets.token_urlsafe(18)
    response = _page(request, "api_redoc.html", style_nonce=nonce)
    response.headers["Content-Security-Policy"] = csp(style_nonce=nonce, style_hashes=REDOC_STYLES)
    return response


def _page(request: Request, template: str, **context) -> HTMLResponse:
    app = request.app
    context = {"title": app.title, "openapi_url": app.openapi_url, "vendored": VENDORED, **context}
    return render(request, template, context)
