"""What the moderation tests share: the pinned clock, log-in and forms with CSRF tokens."""

from __future__ import annotations

from members import NOW, PASSWORD, csrf_of, signed_in  # noqa: F401 (re-exported)


def log_in(client, login: str = "ada", password: str = PASSWORD):
    """A fresh browser session (cookies cleared) that logs in as ``login``."""
    client.cookies.clear()
    return signed_in(client, login, password)


def token_of(client) -> str:
    """A CSRF token for the signed-in browser (any page with a form has one)."""
    return csrf_of(client.get("/submit").text)


def post(client, action: str, data: dict, *, token: str | None = None):
    token = token if token is not None else token_of(client)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
