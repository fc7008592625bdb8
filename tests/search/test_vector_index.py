"""The usearch vector index file (SQLite only): neighbours, filters, sync, crashes, processes.

Vectors are built by hand (unit vectors at known angles), so no model is needed.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.search import usearch_index
from paperfeed.search.base import SearchFilters
from paperfeed.search.sync import (
    open_vector_index,
    sync_vector_at_startup,
    sync_vector_index,
    vector_index_dir,
)
from paperfeed.search.usearch_file import folder_lock
from paperfeed.search.usearch_index import UsearchVectorIndex
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

MODEL = "test-model/mini"
DIM = 16
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def angled(degrees: float, axis: int = 1) -> np.ndarray:
    """The unit vector at ``degrees`` from e0 towards e_axis: cosine to e0 is cos(degrees)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[0] = np.cos(np.radians(degrees))
    v[axis] = np.sin(np.radians(degrees))
    return v


E0 = angled(0)


def embed(session_factory, vectors: dict[str, np.ndarray], model: str = MODEL) -> None:
    with session_scope(session_factory) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        rows = [EmbeddingRow(ids[a], "h", 0) for a in vectors]
        write_embeddings(s, model, rows, np.stack(list(vectors.values())))


@pytest.fixture
def papers(paper_factory, session_factory):
    """Five papers at 0, 10, .. 40 degrees from e0, embedded: nearest to e0 in that order."""
    ids = [paper_factory() for _ in range(5)]
    embed(session_factory, {a: angled(10 * i) for i, a in enumerate(ids)})
    return ids


@pytest.fixture
def index(settings, engine):
    idx = open_vector_index(settings, engine, MODEL)
    assert isinstance(idx, UsearchVectorIndex)
    yield idx
    idx.close()


@pytest.fixture
def nearest(session_factory):
    """``nearest(index, vector, limit, exclude=..., **filters)`` -> arXiv ids, best first."""

    def run(idx, vector=E0, limit=10, exclude=frozenset(), **filters):
        with session_factory() as s:
            hits = idx.search(s, vector, SearchFilters(**filters), limit, exclude=exclude)
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        return [h.arxiv_id for h in hits]

    return run


@sqlite_only
def test_nearest_neighbours_come_best_first_with_cosine_scores(index, papers, session_factory):
    with session_factory() as s:
        hits = index.search(s, E0, SearchFilters(), 3)
    assert [h.arxiv_id for h in hits] == papers[:3]
    np.testing.assert_allclose([h.score for h in hits], np.cos(np.radians([0, 10, 20])), atol=2e-3)


@sqlite_only
def test_nearest_many_answers_one_row_as_a_batch_of_one(index, papers, session_factory):
    """usearch answers a one-row query with a ``Matches``, not a ``BatchMatches``: a batch of
    one (the last of a batched similar-lists fill) must still give one list of keys."""
    with session_factory() as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        one = index.nearest_many(s, E0[None], 3)
        two = index.nearest_many(s, np.stack([E0, angled(40)]), 3)
    assert [list(map(int, k)) for k in one] == [[ids[a] for a in papers[:3]]]
    assert [len(k) for k in two] == [3, 3] and list(map(int, two[0])) == list(map(int, one[0]))


@sqlite_only
def test_nearest_many_searches_a_few_rows_per_hold_of_the_lock(index, papers, session_factory):
    """A batched search (the similar lists' fill: 64 rows) takes the lock every search needs a
    few rows at a time, so a reader's search waits for one slice, not the whole batch; the
    answers are those of each row searched alone."""
    rows = np.stack([angled(d) for d in range(0, 90, 8)])  # 12 rows
    held: list[int] = []
    with session_factory() as s:
        alone = [index.nearest_many(s, row[None], 3)[0] for row in rows]
    graph = index._index  # the live usearch index: record each search while the lock is held

    class Recording:
        def __getattr__(self, name):
            return getattr(graph, name)

        def __setattr__(self, name, value):
            setattr(graph, name, value)

        def __len__(self):
            return len(graph)

        def search(self, queries, count, **kw):
            assert index._lock.locked()
            held.append(len(np.atleast_2d(queries)))
            return graph.search(queries, count, **kw)

    with session_factory() as s:
        index._index = Recording()
        try:
            together = index.nearest_many(s, rows, 3)
        finally:
            index._index = graph
    assert held and max(held) <= min(8, usearch_index.MANY_PER_HOLD) and sum(held) == len(rows)
    assert [list(map(int, k)) for k in together] == [list(map(int, k)) for k in alone]


@sqlite_only
def test_exclude_and_limit(index, papers, nearest):
    assert nearest(index, limit=2, exclude=frozenset({papers[0]})) == papers[1:3]


@sqlite_only
def test_empty_store_gives_no_hits(index, nearest, paper_factory):
    assert nearest(index) == []
    paper_factory()  # a paper but no embedding yet
    assert nearest(index) == []


@sqlite_only
def test_hidden_and_deleted_papers_are_never_returned_even_before_sync(
    index, papers, nearest, hide, remove, monkeypatch
):
    index.sync()
    assert len(index) == 5
    hide(papers[0])
    remove(papers[1])
    # Without catching up, the index still holds both: the SQL check drops them.
    monkeypatch.setattr(index, "_await_changes", lambda session: None)
    assert nearest(index) == papers[2:]
    assert nearest(index, limit=1) == papers[2:3]
    monkeypatch.undo()
    assert index.sync() == 2
    assert len(index) == 3
    assert nearest(index) == papers[2:]


@sqlite_only
def test_a_search_catches_up_with_new_papers_and_vectors(index, papers, nearest, paper_factory, session_factory):  # fmt: skip
    index.sync()
    new = paper_factory()
    embed(session_factory, {new: angled(5)})
    assert nearest(index, limit=3) == [papers[0], new, papers[1]]
    embed(session_factory, {new: angled(35)})  # a changed embedding moves it
    assert nearest(index) == [*papers[:4], new, papers[4]]
    assert len(index) == 6


@sqlite_only
def test_vectors_of_another_model_are_ignored(index, papers, nearest, paper_factory, session_factory):  # fmt: skip
    other = paper_factory()
    embed(session_factory, {other: angled(1)}, model="another-model")
    index.sync()
    assert other not in nearest(index)
    assert len(index) == 5


def _filtered_corpus(paper_factory, session_factory):
    """Papers at growing angles with distinct dates, categories and authors."""
    specs = [
        ("2026-01-05", ("cs.CL",), ("Ada Lovelace", "Grace Hopper")),
        ("2026-02-10", ("cs.LG", "cs.CL"), ("Alan Turing",)),
        ("2026-03-15", ("cs.CV",), ("Grace Murray Hopper",)),
        ("2026-04-20", ("cs.CL",), ("Alan Kay", "Ada Yonath")),
        ("2026-05-25", ("stat.ML",), ("Édouard Lucas",)),
        ("2026-06-30", ("cs.CLX",), ("Adalbert Hopperman",)),
    ]
    ids = []
    for i, (day, cats, authors) in enumerate(specs):
        published = datetime.fromisoformat(day).replace(hour=23, minute=30, tzinfo=UTC)
        ids.append(paper_factory(published_at=published, categories=cats, authors=authors))
        embed(session_factory, {ids[-1]: angled(5 * i)})
    return ids


FILTER_CASES = [
    ({"category": "cs.CL"}, [0, 1, 3]),  # any of the categories, exactly (not cs.CLX)
    ({"date_from": date(2026, 2, 10), "date_to": date(2026, 4, 20)}, [1, 2, 3]),  # inclusive
    ({"date_from": date(2026, 5, 1)}, [4, 5]),
    ({"author": "grace hopper"}, [0, 2]),  # every word, any case, in any order
    ({"author": "ada"}, [0, 3]),  # a whole word: not "Adalbert"
    ({"author": "hopper"}, [0, 2]),  # not "Hopperman"
    ({"author": "édouard"}, [4]),  # beyond ASCII
    ({"author": "ÉDOUARD LUCAS"}, [4]),
    ({"author": "LOVELACE"}, [0]),
    ({"category": "cs.CL", "author": "alan"}, [1, 3]),
    ({"category": "math.AG"}, []),
]


@pytest.mark.parametrize("path", ["exact", "approximate"])
@pytest.mark.parametrize(("filters", "expected"), FILTER_CASES)
@sqlite_only
def test_filters_restrict_results_on_both_paths(
    index, nearest, paper_factory, session_factory, monkeypatch, filters, expected, path
):
    ids = _filtered_corpus(paper_factory, session_factory)
    index.sync()
    if path == "approximate":
        monkeypatch.setattr(usearch_index, "EXACT_MAX", -1)
    other = "_approximate" if path == "exact" else "_exact"
    monkeypatch.setattr(index, other, lambda *a: pytest.fail(f"{other} used"))
    assert nearest(index, **filters) == [ids[i] for i in expected]


@pytest.mark.parametrize("max_fetch", [50_000, 16])  # 16: widening stops, ranked exactly
@sqlite_only
def test_approximate_path_widens_until_enough_papers_pass(
    index, nearest, paper_factory, session_factory, monkeypatch, max_fetch
):
    # 60 papers nearest to e0 in cs.LG, then 3 farther ones in cs.CL.
    vectors = {paper_factory(categories=("cs.LG",)): angled(i * 0.5) for i in range(60)}
    far = [paper_factory(categories=("cs.CL",)) for _ in range(3)]
    vectors |= {a: angled(80 + i) for i, a in enumerate(far)}
    embed(session_factory, vectors)
    monkeypatch.setattr(usearch_index, "EXACT_MAX", 0)
    monkeypatch.setattr(usearch_index, "MAX_FETCH", max_fetch)
    assert nearest(index, limit=3, category="cs.CL") == far


@sqlite_only
def test_index_persists_across_reopen_without_rebuild(settings, engine, papers, nearest):
    assert sync_vector_index(settings, engine, MODEL) == 5
    assert (vector_index_dir(settings, MODEL) / "index.usearch").exists()
    reopened = open_vector_index(settings, engine, MODEL)
    try:
        assert len(reopened) == 5  # loaded at open
        assert nearest(reopened) == papers
        assert sync_vector_index(settings, engine, MODEL) == 0
        assert reopened.rebuilds == 0
    finally:
        reopened.close()


@sqlite_only
def test_crash_between_index_save_and_checkpoint_replays_without_duplicates(
    settings, engine, papers, nearest, paper_factory, session_factory
):
    sync_vector_index(settings, engine, MODEL)
    checkpoint = vector_index_dir(settings, MODEL) / "checkpoint.json"
    stale = checkpoint.read_bytes()
    new = paper_factory()
    embed(session_factory, {new: angled(15), papers[4]: angled(3)})
    sync_vector_index(settings, engine, MODEL)
    checkpoint.write_bytes(stale)  # the index file was replaced, the checkpoint was not
    reopened = open_vector_index(settings, engine, MODEL)
    try:
        assert reopened.sync() == 2  # the batch is replayed onto the newer file
        assert reopened.rebuilds == 0
        assert len(reopened) == 6
        assert nearest(reopened) == [papers[0], papers[4], papers[1], new, papers[2], papers[3]]
    finally:
        reopened.close()


@pytest.mark.parametrize(
    "damage", ["no-file", "garbage-file", "no-checkpoint", "other-version", "ahead-of-db"]
)
@sqlite_only
def test_unusable_index_or_checkpoint_is_rebuilt(settings, engine, papers, nearest, damage):
    sync_vector_index(settings, engine, MODEL)
    folder = vector_index_dir(settings, MODEL)
    if damage == "no-file":
        (folder / "index.usearch").unlink()
    elif damage == "garbage-file":
        (folder / "index.usearch").write_bytes(b"\x00garbage" * 100)
    elif damage == "no-checkpoint":
        (folder / "checkpoint.json").unlink()
    elif damage == "other-version":
        (folder / "checkpoint.json").write_text('{"version": -1, "seq": 5}')
    else:
        (folder / "checkpoint.json").write_text(
            f'{{"version": {usearch_index.FORMAT_VERSION}, "seq": 10000}}'
        )
    reopened = open_vector_index(settings, engine, MODEL)
    try:
        assert nearest(reopened) == papers  # the search rebuilds in memory
        assert reopened.rebuilds == 1
        reopened.sync()
        assert reopened.rebuilds == 1
    finally:
        reopened.close()
    again = open_vector_index(settings, engine, MODEL)  # a later sync saved a sound file
    try:
        assert nearest(again) == papers and again.rebuilds == 0
    finally:
        again.close()


@sqlite_only
def test_vectors_of_a_new_dimension_force_a_rebuild(index, papers, nearest, session_factory):
    index.sync()
    wide = np.zeros(DIM * 2, dtype=np.float32)
    vectors = {a: wide.copy() for a in papers}
    for i, a in enumerate(papers):
        vectors[a][0], vectors[a][DIM + 1] = np.cos(np.radians(10 * i)), np.sin(np.radians(10 * i))
    embed(session_factory, vectors)
    index.sync()
    assert index.rebuilds == 2
    assert nearest(index, vector=np.eye(DIM * 2, dtype=np.float32)[0]) == papers


@sqlite_only
def test_two_processes_share_the_folder_and_skip_saving_while_locked(
    settings, engine, papers, nearest, paper_factory, session_factory
):
    sync_vector_index(settings, engine, MODEL)
    first = open_vector_index(settings, engine, MODEL)
    second = open_vector_index(settings, engine, MODEL)
    checkpoint = vector_index_dir(settings, MODEL) / "checkpoint.json"
    try:
        new = paper_factory()
        embed(session_factory, {new: angled(5)})
        saved = checkpoint.read_text()
        with folder_lock(first.path, wait=False) as locked:
            assert locked
            assert second.sync() == 1  # applied in memory, not saved
            assert checkpoint.read_text() == saved
            assert second.save() is False
            assert nearest(second, limit=2) == [papers[0], new]
            assert nearest(first, limit=2) == [papers[0], new]  # caught up in memory
        assert second.save() is True
        assert checkpoint.read_text() != saved
        third = open_vector_index(settings, engine, MODEL)
        assert len(third) == 6 and third.rebuilds == 0
        third.close()
    finally:
        first.close()
        second.close()


@sqlite_only
def test_searches_run_while_changes_are_applied(index, papers, paper_factory, session_factory):
    index.sync()
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher():
        while not stop.is_set():
            try:
                with session_factory() as s:
                    hits = index.search(s, E0, SearchFilters(), 3)
                assert hits[0].arxiv_id == papers[0]
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for batch in range(5):
            new = [paper_factory() for _ in range(20)]
            embed(session_factory, {a: angled(30 + batch + i / 10) for i, a in enumerate(new)})
            index.sync(save=batch % 2 == 0)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert len(index) == 105


@sqlite_only
def test_startup_sync_never_raises(index, papers, monkeypatch):
    def broken(**kw):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(index, "sync", broken)
    assert sync_vector_at_startup(index) == 0


@pytest.mark.slow
@sqlite_only
def test_recall_at_10_against_exact_search(index, session_factory):
    n, dim = 3_000, 64
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((30, dim))
    x = centres[rng.integers(0, 30, n)] + 0.6 * rng.standard_normal((n, dim))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    records = [
        PaperRecord.build(
            arxiv_id=f"2611.{i:05d}",
            title=f"Paper {i}",
            abstract="",
            authors=("A B",),
            categories=("cs.LG",),
            published_at=NOW,
        )  # fmt: skip
        for i in range(n)
    ]
    with session_scope(session_factory) as s:
        upsert_records(s, records, source="test", now=NOW)
    embed(session_factory, {r.arxiv_id: v for r, v in zip(records, x, strict=True)})
    stored = x.astype(np.float16).astype(np.float32)  # what the store keeps
    queries = (centres[rng.integers(0, 30, 50)] + 0.6 * rng.standard_normal((50, dim))).astype(
        np.float32
    )
    found = []
    with session_factory() as s:
        for q in queries:
            ids = [h.arxiv_id for h in index.search(s, q, SearchFilters(), 10)]
            exact = np.argsort(-(stored @ q))[:10]
            found.append(len(set(ids) & {records[i].arxiv_id for i in exact}) / 10)
    assert np.mean(found) >= 0.95
