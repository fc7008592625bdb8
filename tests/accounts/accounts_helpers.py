"""What the account tests share: the pinned clock, a password, the SMTP inbox (tests/smtp.py),
a browser that fills in forms with their CSRF token, and the app's routes. A module of its
own name (not conftest) so test files can import it unambiguously."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.routing import APIRoute

from members import NOW, PASSWORD, csrf_of, log_in, post_form  # noqa: F401 (re-exported)
from smtp import Inbox, free_port  # noqa: F401 (re-exported)


def app_routes(app) -> Iterator[APIRoute]:
    """Every route of ``app``, including those of lazily included routers."""

    def walk(routes):
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route

    return walk(app.router.routes)
