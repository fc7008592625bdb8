"""Similar-paper lists are kept per paper (service/similar.py) and never stale: a hidden paper
leaves every list at once and comes back when shown again, a new embedding enters them on
the next view, and votes keep them. Both databases, both vector indexes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select

from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.search.changes import head_seq
from paperfeed.search.sync import open_vector_index
from paperfeed.service.similar import SimilarLists, similar_papers
from paperfeed.store.changes import record_changes
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

MODEL = "test-model/similar"
DIM = 16
ANGLES = (0, 10, 25, 45, 70, 100)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)  # not the instant vectors were written


def angled(degrees: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[0], v[1] = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return v


def embed(session_factory, vectors: dict[str, np.ndarray]) -> None:
    """As the embed job stores vectors: each row read at the store's current seq."""
    with session_scope(session_factory) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        rows = [EmbeddingRow(ids[a], "h", head_seq(s)) for a in vectors]
        write_embeddings(s, MODEL, rows, np.stack(list(vectors.values())), now=NOW)


def set_hidden(session_factory, arxiv_id: str, hidden: bool) -> None:
    """What moderation's set_paper_hidden writes: the flag and a change of the paper."""
    with session_scope(session_factory) as s:
        paper = s.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))
        paper.hidden = hidden
        record_changes(s, [paper.id], LATER)


@pytest.fixture
def index(settings, engine):
    idx = open_vector_index(settings, engine, MODEL)
    yield idx
    idx.close()


@pytest.fixture
def papers(paper_factory, session_factory):
    """Six papers at these angles from e0 (no two neighbours tie): neighbours by angle."""
    ids = [paper_factory() for _ in ANGLES]
    embed(session_factory, {a: angled(d) for a, d in zip(ids, ANGLES, strict=True)})
    return ids


def similar(session_factory, index, arxiv_id: str, limit: int = 2) -> list[str]:
    with session_factory() as s:
        return [p.arxiv_id for p in similar_papers(s, index, arxiv_id, limit).papers]


def test_lists_are_kept_across_votes_and_a_new_embedding_enters_them(
    papers, index, session_factory, paper_factory
):
    assert similar(session_factory, index, papers[0]) == papers[1:3]
    lists = SimilarLists.of(index)
    generations = lists.generations
    with session_scope(session_factory) as s:  # a vote or comment: a change, same vectors
        vote = s.scalar(select(Paper.id).where(Paper.arxiv_id == papers[1]))
        record_changes(s, [vote], LATER)
    assert similar(session_factory, index, papers[0]) == papers[1:3]
    assert similar(session_factory, index, papers[5]) == [papers[4], papers[3]]
    assert lists.generations == generations  # kept: nothing they depend on changed

    newcomer = paper_factory()
    embed(session_factory, {newcomer: angled(3)})
    assert similar(session_factory, index, papers[0]) == [newcomer, papers[1]]
    assert similar(session_factory, index, newcomer) == [papers[0], papers[1]]
    assert lists.generations == generations + 1


def test_a_hidden_paper_leaves_every_list_at_once_and_returns_when_shown(
    papers, index, session_factory
):
    assert similar(session_factory, index, papers[0]) == papers[1:3]
    assert similar(session_factory, index, papers[2]) == [papers[1], papers[3]]
    set_hidden(session_factory, papers[1], True)
    assert similar(session_factory, index, papers[0]) == papers[2:4]
    assert similar(session_factory, index, papers[2]) == [papers[3], papers[0]]
    assert papers[1] not in similar(session_factory, index, papers[3], limit=5)
    set_hidden(session_factory, papers[1], False)
    assert similar(session_factory, index, papers[0]) == papers[1:3]
    assert similar(session_factory, index, papers[3], limit=5)[:3] == [
        papers[2],
        papers[4],
        papers[1],
    ]


def test_kept_lists_stay_within_their_byte_budget(papers, index, session_factory):
    lists = SimilarLists(index, max_bytes=700)
    with session_factory() as s:
        for arxiv_id in papers:
            assert lists.neighbours(s, arxiv_id, 2) is not None
    assert 0 < lists._bytes <= 700  # noqa: SLF001 - the budget is the point of this test
    assert len(lists._lists) < len(papers)  # noqa: SLF001


def test_lists_are_computed_ahead_as_a_view_would_compute_them(papers, index, session_factory):
    """SimilarLists.fill (every new generation, in the background) keeps the paper page's
    list of every paper, the same as the search a first view would otherwise run."""
    if not hasattr(index, "nearest_many"):
        pytest.skip("only an index that searches many vectors at once computes ahead")
    from paperfeed.service.similar import ON_PAGE, SPARE, nearest_ids

    lists = SimilarLists(index)
    assert lists.fill(session_factory) == len(papers)
    kept = dict(lists._lists)  # noqa: SLF001 - what was made ahead is the point of this test
    assert set(kept) == set(papers)
    with session_factory() as s:
        for arxiv_id in papers:
            assert kept[arxiv_id][0] == nearest_ids(s, index, arxiv_id, ON_PAGE + SPARE)
    assert similar(session_factory, index, papers[0]) == papers[1:3]


def test_lists_computed_ahead_wait_for_the_index_to_hold_every_stored_vector(
    papers, index, session_factory, paper_factory
):
    """A fill that runs before the vector index has applied the latest embeddings (a new
    process's first request, an embedding round) must not keep lists without them: no later
    change would correct such a list."""
    if not hasattr(index, "nearest_many"):
        pytest.skip("only an index that searches many vectors at once computes ahead")
    assert similar(session_factory, index, papers[0]) == papers[1:3]  # the index caught up
    newcomer = paper_factory()
    embed(session_factory, {newcomer: angled(3)})  # stored; the index not yet told
    lists = SimilarLists(index)
    lists.fill(session_factory)
    kept = dict(lists._lists)  # noqa: SLF001 - what was made ahead is the point of this test
    assert kept[papers[0]][0][:2] == (newcomer, papers[1])
    assert kept[newcomer][0][:2] == (papers[0], papers[1])
