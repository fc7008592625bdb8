"""What the moderation tests share: the pinned clock, log-in and forms with CSRF tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the app's pinned clock (tests/conftest.py)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def log_in(client, login: str = "ada", password: str = PASSWORD):
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r


def token_of(client) -> str:
    """A CSRF token for the signed-in browser (any page with a form has one)."""
    return csrf_of(client.get("/submit").text)


def post(client, action: str, data: dict, *, token: str | None = None):
    token = token if token is not None else token_of(client)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
