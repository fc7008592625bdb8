"""Comment writes reach anonymous readers at once, through the response cache (http/cache.py):
a new, edited or deleted comment changes the data version the cache checks on every hit."""

from __future__ import annotations

import re

import pytest
from community_helpers import NOW, log_in, post_form
from fastapi.testclient import TestClient
from sqlalchemy import update

from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

PAPER = "2611.00001"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"response_cache_seconds": 300})


@pytest.fixture
def reader(app):
    """An anonymous browser: no cookie, so the cache may answer it."""
    with TestClient(app) as anonymous:
        yield anonymous


def _read(reader, path: str = f"/papers/{PAPER}") -> str:
    r = reader.get(path)
    assert r.status_code == 200 and not reader.cookies, "the reader must stay anonymous"
    return r.text


def _title_behind_the_caches_back(session_factory, title: str) -> None:
    """A write that records no change: a reader served from the cache does not see it."""
    with session_scope(session_factory) as s:
        s.execute(update(Paper).where(Paper.arxiv_id == PAPER).values(title=title))


def test_anonymous_readers_see_comment_writes_at_once(
    client, reader, paper_factory, make_user, make_token, session_factory
):
    paper_factory(arxiv_id=PAPER, feed_day=NOW.date(), title="Original title")
    ada = make_user()
    assert "0 comments" in _read(reader)
    assert "comment-count" not in _read(reader, "/")  # cards show a count above zero
    _title_behind_the_caches_back(session_factory, "Changed behind the cache")
    assert "Original title" in _read(reader)  # proof that the reader is served from the cache

    # A comment by form (session cookie): the paper page and the feed card show it.
    log_in(client)
    r = post_form(client, f"/papers/{PAPER}", f"/papers/{PAPER}/comments", {"body": "First!"})
    first = int(re.search(r"#comment-(\d+)$", r.headers["location"]).group(1))
    page = _read(reader)
    assert "First!" in page and "1 comment" in page
    assert ">1 comment</a>" in _read(reader, "/")
    assert '"body":"First!"' in _read(reader, f"/api/papers/{PAPER}/comments")

    # Edited, then deleted, through the JSON API (Bearer token).
    headers = make_token(ada)
    r = reader.patch(f"/api/comments/{first}", json={"body": "First, edited"}, headers=headers)
    assert r.status_code == 200
    assert "First, edited" in _read(reader)
    assert reader.delete(f"/api/comments/{first}", headers=headers).status_code in (200, 204)
    page = _read(reader)
    assert "First, edited" not in page and "0 comments" in page
    assert "comment-count" not in _read(reader, "/")
