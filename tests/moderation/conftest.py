"""Moderation fixtures: an app without the response cache or semantic search, generous rate
limits, accounts made through the service, and two papers on the feed of the pinned day."""

from __future__ import annotations

import pytest

from members import NOW, make_account, new_token


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "response_cache_seconds": 0,
            "base_url": "http://testserver",
            "rate_limit_login_ip": "100/minute",
            "rate_limit_login_account": "100/minute",
            "rate_limit_writes": "100/minute",
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
    def make(account) -> dict[str, str]:
        return {"Authorization": f"Bearer {new_token(session_factory, account)}"}

    return make


@pytest.fixture
def papers(paper_factory):
    """Two feed papers of the pinned day: (first, second) arXiv ids."""
    first = paper_factory(
        arxiv_id="2611.00001",
        title="Sparse attention at scale",
        authors=("Ada Lovelace", "Grace Hopper"),
        feed_day=NOW.date(),
        upvotes=5,
    )
    second = paper_factory(
        arxiv_id="2611.00002",
        title="Quiet second paper",
        authors=("Alan Turing",),
        feed_day=NOW.date(),
        upvotes=1,
    )
    return first, second
