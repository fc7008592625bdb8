"""Reads never write (issue 14): a search applies no pending index change itself.

A sync is slowed down the way a slow or locked database would: the indexes get an engine
whose pool has one connection, and the test holds it, so every sync (the catch-up thread's
included) waits on it. Searches run on the test's own sessions, as a request's would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from sqlalchemy import select

from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.search import open_backend
from paperfeed.search.base import SearchFilters
from paperfeed.search.changes import head_seq
from paperfeed.search.sync import open_vector_index
from paperfeed.service.search import Mode, search
from paperfeed.store.db import make_engine, session_scope
from paperfeed.store.models import Paper

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

MODEL = "test-model/reads"
DIM = 16
PROMPT = 20.0  # seconds; a search that blocks on the held connection waits 60


def angled(degrees: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[0], v[1] = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return v


def embed(session_factory, vectors: dict[str, np.ndarray]) -> None:
    with session_scope(session_factory) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        rows = [EmbeddingRow(ids[a], "h", 0) for a in vectors]
        write_embeddings(s, MODEL, rows, np.stack(list(vectors.values())))


class Indexes:
    """The keyword and vector index of the test's database, on an engine of one connection."""

    def __init__(self, settings):
        self.engine = make_engine(
            settings.database_url, pool_size=1, max_overflow=0, pool_timeout=60
        )
        self.keyword = open_backend(settings, self.engine)
        self.vector = open_vector_index(settings, self.engine, MODEL)
        self._held = None

    def sync(self) -> None:
        for index in (self.keyword, self.vector):
            sync = getattr(index, "sync", None)
            if sync is not None:
                sync()

    @contextmanager
    def stuck(self) -> Iterator[None]:
        """Every sync of these indexes waits while this holds their only connection."""
        self._held = self.engine.connect()
        try:
            yield
        finally:
            self._held.close()

    def close(self) -> None:
        self.keyword.close()
        self.vector.close()
        self.engine.dispose()


@pytest.fixture
def indexes(settings):
    opened = Indexes(settings)
    yield opened
    opened.close()


def promptly(fn):
    """``fn()`` run in a thread; its result, failing if it takes longer than ``PROMPT``."""
    out: dict = {}

    def run():
        out["value"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PROMPT)
    assert not thread.is_alive(), "the search waited for the stuck sync"
    return out["value"]


def eventually(fn, want):
    deadline = time.monotonic() + 30
    while (got := fn()) != want and time.monotonic() < deadline:
        time.sleep(0.1)
    return got


@sqlite_only
def test_a_keyword_search_does_not_wait_for_a_stuck_sync(indexes, paper_factory, session_factory):  # fmt: skip
    """Guards: the search used to apply the pending batch itself, waiting on the sync."""
    first = paper_factory(title="Stalled catch up")
    indexes.sync()
    second = paper_factory(title="Stalled catch up again")

    def keyword_ids():
        with session_factory() as s:
            found = search(s, indexes.keyword, "stalled", mode=Mode.KEYWORD)
        return sorted(p.arxiv_id for p in found.papers)

    with indexes.stuck():
        assert promptly(keyword_ids) == [first]
        with session_factory() as s:
            assert indexes.keyword.is_behind(head_seq(s))  # nothing was applied meanwhile
    # The catch-up thread the search woke applies the change once the database answers.
    assert eventually(keyword_ids, sorted([first, second])) == sorted([first, second])


@sqlite_only
def test_a_vector_search_does_not_wait_for_a_stuck_sync(indexes, paper_factory, session_factory):  # fmt: skip
    """Guards: the search used to apply the pending batch itself, waiting on the sync."""
    papers = [paper_factory() for _ in range(3)]
    embed(session_factory, {a: angled(10 * (i + 1)) for i, a in enumerate(papers)})
    indexes.sync()
    new = paper_factory()
    embed(session_factory, {new: angled(0)})

    def nearest():
        with session_factory() as s:
            return [h.arxiv_id for h in indexes.vector.search(s, angled(0), SearchFilters(), 2)]

    with indexes.stuck():
        assert promptly(nearest) == papers[:2]
        with session_factory() as s:
            assert indexes.vector.is_behind(head_seq(s))
    assert eventually(nearest, [new, papers[0]]) == [new, papers[0]]


def test_hidden_and_deleted_papers_are_never_returned_before_any_catch_up(
    indexes, paper_factory, session_factory, hide, remove
):
    """Guards: the keyword leg (service) and the vector leg (index) re-check in SQL while the
    derived indexes (SQLite) still hold the papers; the search used to wait for the stuck
    sync instead. On PostgreSQL (the database is the index) it pins the same behaviour."""
    papers = [paper_factory(title=f"Moderated paper {i}") for i in range(4)]
    embed(session_factory, {a: angled(10 * i) for i, a in enumerate(papers)})
    indexes.sync()
    with indexes.stuck():
        hide(papers[0])
        remove(papers[1])

        def keyword_ids():
            with session_factory() as s:
                found = search(s, indexes.keyword, "moderated", mode=Mode.KEYWORD)
            return sorted(p.arxiv_id for p in found.papers), found.total

        def nearest(**filters):
            with session_factory() as s:
                hits = indexes.vector.search(s, angled(0), SearchFilters(**filters), 10)
            return [h.arxiv_id for h in hits]

        assert promptly(keyword_ids) == (papers[2:], 2)
        assert promptly(nearest) == papers[2:]
        assert promptly(lambda: nearest(category="cs.LG")) == papers[2:]  # the exact path


@sqlite_only
def test_the_web_app_catches_up_in_the_background(client, paper_factory, session_factory):
    """Guards: with no search at all, the app's catch-up thread indexes new papers once
    woken (as after a write in this process; unwoken, after GRACE)."""
    paper_factory(title="Arrives after start-up")
    keyword = client.app.state.search
    client.app.state.catch_up.wake()
    with session_factory() as s:
        head = head_seq(s)
    assert eventually(lambda: keyword.is_behind(head), False) is False
    assert client.app.state.catch_up.batches >= 1
