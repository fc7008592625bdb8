"""Signed-in readers for the tests of accounts, votes, community and moderation: the pinned
clock, the password, confirmed accounts made through the service, Bearer tokens, and forms
sent like a browser with their page's CSRF token. At the top of tests/ so every folder's
helpers import this one copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi.routing import APIRoute

from paperfeed.accounts import api_tokens, users
from paperfeed.store.db import session_scope

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the app's pinned clock (tests/conftest.py)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_account(sessions, username: str = "ada", *, role: str = "member", email: str = ""):
    """A confirmed account (an admin with ``role="admin"``) made through the service; its
    address is ``<username>@example.org`` unless ``email`` says otherwise."""
    email = email or f"{username}@example.org"
    with session_scope(sessions) as session:
        if role == "admin":
            return users.create_admin(
                session, username=username, email=email, password=PASSWORD, now=NOW
            )
        made = users.sign_up(
            session,
            username=username,
            email=email,
            password=PASSWORD,
            now=NOW,
            confirm_ttl=timedelta(hours=48),
        )
        return users.confirm_email(session, made.token, now=NOW)


def new_token(sessions, account) -> str:
    """A new API token of ``account``, raw (as the account page shows it once)."""
    with session_scope(sessions) as session:
        return api_tokens.create_token(session, account.id, "tests", now=NOW)[1]


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def post_form(client, page: str, action: str, data: dict, **kwargs):
    """Open ``page`` like a browser, then send its form to ``action`` with the page's token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False, **kwargs)


def log_in(client, login: str = "ada", password: str = PASSWORD, **extra):
    """The log-in form sent; the response, whatever it is."""
    return post_form(client, "/login", "/login", {"login": login, "password": password, **extra})


def signed_in(client, login: str = "ada", password: str = PASSWORD):
    """The log-in form sent, which must succeed (303)."""
    r = log_in(client, login, password)
    assert r.status_code == 303, r.text
    return r


def app_routes(app) -> Iterator[APIRoute]:
    """Every route of ``app``, including those of lazily included routers."""

    def walk(routes):
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route

    return walk(app.router.routes)


def route_values(paper: str) -> dict[str, str]:
    """Values for the path parameters of the app's routes that reach real pages: ``paper``
    as every paper id, ada as the user, a day and a feed format."""
    return {
        "arxiv_id": paper,
        "paper_id": paper,
        "target": paper,
        "username": "ada",
        "value": "2026-11-20",
        "fmt": "atom",
    }


def fill_path(path: str, values: dict[str, str]) -> str:
    """A route's path with each ``{name}`` / ``{name:convertor}`` taken from ``values``
    (1 for the others)."""
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), path)
