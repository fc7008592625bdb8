"""Reasons that name a paper of the member's library ("Close to “…”, which you saved"), with
search by meaning on and hand-made stored embeddings: linked to that paper on the page, the
same words in the JSON API and the Atom feed, and a title with markup in it shown as text on
every surface. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import numpy as np
import pytest
from fastapi.testclient import TestClient
from foryou_helpers import DAY, NOW, bearer, make_account, new_token, save_directly, signed_in
from sqlalchemy import select

from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

DIM = 384
EVIL = 'Graphs <img src=x onerror="alert(1)"> & molecules'


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": True, "embed_in_background": False})


def _unit(*axes: tuple[int, float]) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    for axis, weight in axes:
        v[axis] = weight
    return v / np.linalg.norm(v)


def _embed(settings, sessions, arxiv_id: str, vector: np.ndarray) -> None:
    with session_scope(sessions) as s:
        pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
        rows = [EmbeddingRow(pid, "test", 0)]
        write_embeddings(s, settings.embedding_model, rows, vector[None, :], now=NOW)


@pytest.fixture
def library(client, settings, session_factory, paper_factory):
    """Papers added once the app runs (its start-up then loads no model): one the member
    saved long ago, with markup in its title, and two of today, one near it."""
    old = NOW - timedelta(days=40)
    mine = paper_factory(title=EVIL, published_at=old)
    posted = NOW - timedelta(hours=1)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    near = paper_factory(title="Graph transformers", **common)
    far = paper_factory(title="Far away", upvotes=3, **common)
    for arxiv_id, vector in (
        (mine, _unit((0, 1))),
        (near, _unit((0, 1), (1, 0.2))),
        (far, _unit((7, 1))),
    ):
        _embed(settings, session_factory, arxiv_id, vector)
    ada = make_account(session_factory, "ada")
    save_directly(session_factory, ada.id, mine)
    return ada, mine, near, far


def test_the_page_links_the_saved_paper_and_shows_its_title_as_text(client, library):
    _ada, mine, near, _far = library
    signed_in(client, "ada")
    html = client.get("/for-you").text
    start = html.index(f'id="for-you-{near}"')
    reason = html[start : html.index("</p>", start)]
    assert f'<a href="/papers/{mine}">Close to “Graphs &lt;img src=x' in reason
    assert "<img src=x" not in html


def test_the_api_and_the_feed_give_the_same_words(client, session_factory, library):
    ada, mine, near, _far = library
    headers = bearer(new_token(session_factory, ada))
    first = client.get("/api/for-you", params={"mix": 1}, headers=headers).json()["items"][0]
    assert first["paper"]["id"] == near
    assert first["reason"]["kind"] == "saved" and first["reason"]["arxivId"] == mine
    assert first["reason"]["text"] == f"Close to “{EVIL}”, which you saved"
    client.patch("/api/prefs", json={"mix": 1}, headers=headers)
    url = client.post("/api/for-you/feed-url", headers=headers).json()["url"]
    with TestClient(client.app) as reader:
        body = reader.get("/" + url.split("/", 3)[3]).text
    assert "<img src=x" not in body
    entry = feedparser.parse(body).entries[0]
    assert entry.summary.startswith(f"Close to “{EVIL}”, which you saved.")
