"""Community fixtures: an app whose arXiv API is the local fake server, users made through
the account service, browsers that fill in forms with their CSRF token."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))  # fake_server

from community_helpers import NOW, PASSWORD  # noqa: E402
from fake_server import FakeServer  # noqa: E402

from paperfeed.accounts import api_tokens, users  # noqa: E402
from paperfeed.store.db import session_scope  # noqa: E402


@pytest.fixture
def arxiv():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def settings(settings, arxiv):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "response_cache_seconds": 0,
            "base_url": "http://testserver",
            "arxiv_api_url": f"{arxiv.url}/api/query",
            "rate_limit_login_ip": "100/minute",
            "rate_limit_login_account": "100/minute",
            "rate_limit_writes": "100/minute",
            "http_retries": 1,
        }
    )


@pytest.fixture
def make_user(session_factory):
    """A confirmed account made through the service; returns its Account."""

    def make(username: str = "ada", *, role: str = "member"):
        with session_scope(session_factory) as session:
            if role == "admin":
                return users.create_admin(
                    session,
                    username=username,
                    email=f"{username}@example.org",
                    password=PASSWORD,
                    now=NOW,
                )
            made = users.sign_up(
                session,
                username=username,
                email=f"{username}@example.org",
                password=PASSWORD,
                now=NOW,
                confirm_ttl=timedelta(hours=48),
            )
            return users.confirm_email(session, made.token, now=NOW)

    return make


@pytest.fixture
def make_token(session_factory):
    """A Bearer header for an account."""

    def make(account) -> dict[str, str]:
        with session_scope(session_factory) as session:
            _info, raw = api_tokens.create_token(session, account.id, "tests", now=NOW)
        return {"Authorization": f"Bearer {raw}"}

    return make
