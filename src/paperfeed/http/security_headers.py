"""Security headers on every response (issue 12, item 9): a pure ASGI middleware.

- ``Content-Security-Policy``: scripts, styles, fonts and connections from this site only; no
  inline script, no inline style, no plugins; images from anywhere over https (thumbnails may
  be hosted elsewhere). Pages keep their JavaScript in ``static/`` for that reason, and
  ``/docs`` and ``/redoc`` load vendored copies of their assets (:mod:`paperfeed.web.api_docs`).
  ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no page can be framed (clickjacking
  of the vote, log-out and admin buttons).
- ``X-Content-Type-Options: nosniff``: a JSON or text body is never run as script or style.
- ``Referrer-Policy: same-origin``: the reset, confirmation and unsubscribe links carry their
  token in the query string; no other site sees it in a ``Referer``.
- ``Strict-Transport-Security`` when ``base_url`` is https (browsers ignore it over http).
- ``Cache-Control: private, no-store`` on every response to a signed-in caller (session or
  API token) and on ``/api/whoami*``, whatever the route chose: such a response names its
  reader, so neither a shared cache nor the browser's disk may keep it.

A route may send a policy of its own (only ``/redoc`` does, to allow Redoc's styles) and a
stricter ``Referrer-Policy`` (the confirmation pages send ``no-referrer``); every other header
is the middleware's alone. Placed outside the response cache, so cached copies
get the headers too, and so does the 500 of an unhandled error (answered inside the app by
:class:`paperfeed.http.errors.UnhandledErrors`).
"""

from __future__ import annotations

from starlette.requests import Request

from paperfeed.http.auth import get_auth
from paperfeed.settings import Settings


def csp(style_nonce: str | None = None, style_hashes: tuple[str, ...] = ()) -> str:
    """The policy; ``style_nonce`` and ``style_hashes`` also allow the ``<style>`` elements
    with that nonce or content (Redoc writes its CSS so, see :mod:`paperfeed.web.api_docs`)."""
    extra = [f"'nonce-{style_nonce}'"] if style_nonce else []
    extra += [f"'{h}'" for h in style_hashes]
    style = " ".join(["style-src 'self'", *extra])
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            style,
            "img-src 'self' https: data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


HSTS = "max-age=31536000"  # a year; no includeSubDomains: the site may share its domain
PRIVATE = b"private, no-store"
PRIVATE_PATHS = ("/api/whoami",)  # /api/whoami-v2 names the token's owner, signed in or not

CSP_HEADER = b"content-security-policy"
REFERRER_HEADER = b"referrer-policy"
_FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
)


class SecurityHeaders:
    """Adds the headers above to every HTTP response of the app it wraps."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.fixed = list(_FIXED)
        if settings.base_url.lower().startswith("https://"):
            self.fixed.append((b"strict-transport-security", HSTS.encode()))
        self.names = {name for name, _ in self.fixed}
        self.policy = csp().encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                private = _is_private(scope)
                drop = self.names | ({b"cache-control"} if private else set())
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
                headers += self.fixed
                own = {k.lower() for k, _ in headers}
                if CSP_HEADER not in own:  # else the route's own
                    headers.append((CSP_HEADER, self.policy))
                if REFERRER_HEADER not in own:  # else the route's own (no-referrer on token pages)
                    headers.append((REFERRER_HEADER, b"same-origin"))
                if private:
                    headers.append((b"cache-control", PRIVATE))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_private(scope) -> bool:
    """A response for one caller: signed in (resolved by load_auth), or a whoami."""
    if scope["path"].startswith(PRIVATE_PATHS):
        return True
    return get_auth(Request(scope)).account is not None
