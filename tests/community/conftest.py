"""Community fixtures: an app whose arXiv API is the local fake server, users made through
the account service, browsers that fill in forms with their CSRF token."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))  # fake_server

from fake_server import FakeServer  # noqa: E402

from members import make_account, new_token  # noqa: E402


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
        return make_account(session_factory, username, role=role)

    return make


@pytest.fixture
def make_token(session_factory):
    """A Bearer header for an account."""

    def make(account) -> dict[str, str]:
        return {"Authorization": f"Bearer {new_token(session_factory, account)}"}

    return make
