"""The pgvector HNSW index (PostgreSQL only): order, filters, visibility, models, the index build.

Vectors are built by hand so the neighbours are known: paper ``i`` of ``_papers`` has cosine
``1 - i / 200`` to the query ``e0``, so nearest-first order is paper order, with steps far
above halfvec rounding (~5e-4).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import event, select, text

from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.search.base import SearchFilters
from paperfeed.search.pgvector_index import (
    DEFAULT_EF_SEARCH,
    PgvectorIndex,
    ensure_vector_index,
    vector_index_name,
)
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

pytestmark = pytest.mark.postgres

MODEL = "test-model"
DIM = 8
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
QUERY = np.eye(DIM, dtype=np.float32)[0]


@pytest.fixture
def backend() -> str:
    """Every database test here runs on PostgreSQL only (overrides the both-backends param)."""
    return "postgresql"


def _arxiv_id(i: int) -> str:
    return f"2611.{i + 1:05d}"


def _cosine_vector(cos: float, i: int, dim: int = DIM) -> np.ndarray:
    """A unit vector at cosine ``cos`` to ``e0``, the rest along one of the other axes."""
    v = np.zeros(dim, dtype=np.float32)
    v[0] = cos
    v[1 + i % (dim - 1)] = np.sqrt(1 - cos * cos)
    return v


def _attributes(i: int) -> dict:
    """Paper ``i``'s filterable fields: categories, authors and day follow ``i`` mod 6, 5, 10."""
    categories = {2: ("cs.CL",), 5: ("cs.LG", "cs.CL")}.get(i % 6, ("cs.LG",))
    authors = ("Grace Hopper", f"Coauthor {i}") if i % 5 == 1 else ("Ada Lovelace",)
    published = datetime(2026, 11, 1 + i % 10, 23, 30, tzinfo=UTC)
    return {"categories": categories, "authors": authors, "published_at": published}


def _add_papers(session_factory, records: list[PaperRecord]) -> None:
    with session_scope(session_factory) as s:
        report = upsert_records(s, records, source="test", now=NOW)
    assert not report.failed, report.failed


def _embed(session_factory, arxiv_ids: list[str], vectors, model: str = MODEL) -> None:
    with session_scope(session_factory) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        rows = [EmbeddingRow(ids[a], "hash", 0) for a in arxiv_ids]
        write_embeddings(s, model, rows, np.asarray(vectors, dtype=np.float32), now=NOW)


def _papers(session_factory, n: int = 300) -> list[str]:
    """``n`` papers embedded under MODEL, nearest to QUERY first; returns their arXiv ids."""
    ids = [_arxiv_id(i) for i in range(n)]
    records = [
        PaperRecord.build(arxiv_id=a, title=f"Paper {i}", **_attributes(i))
        for i, a in enumerate(ids)
    ]
    _add_papers(session_factory, records)
    _embed(session_factory, ids, [_cosine_vector(1 - i / 200, i) for i in range(n)])
    return ids


def _search(session_factory, index, vector=QUERY, filters=SearchFilters(), limit=10, **kw):
    with session_factory() as s:
        return index.search(s, vector, filters, limit, **kw)


def _ids(hits) -> list[str]:
    return [h.arxiv_id for h in hits]


@pytest.fixture
def statements(engine):
    """The nearest-neighbour statements the index runs, as ``(sql, parameters)``."""
    seen: list[tuple[str, dict]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "WITH nearest" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _plan(session_factory, statement: tuple[str, dict], *settings: str) -> str:
    sql, params = statement
    with session_factory() as s:
        for setting in ("SET LOCAL hnsw.iterative_scan = relaxed_order", *settings):
            s.execute(text(setting))
        rows = s.connection().exec_driver_sql("EXPLAIN " + sql, params).scalars()
        return "\n".join(rows)


@pytest.mark.parametrize("indexed", [False, True])
def test_nearest_papers_come_first_scored_by_cosine_similarity(session_factory, engine, indexed):
    ids = _papers(session_factory, 40)
    if indexed:
        assert ensure_vector_index(engine, MODEL)
    hits = _search(session_factory, PgvectorIndex(MODEL), limit=5)
    assert _ids(hits) == ids[:5]
    np.testing.assert_allclose([h.score for h in hits], [1 - i / 200 for i in range(5)], atol=2e-3)


@pytest.mark.parametrize("indexed", [False, True])
def test_hidden_and_deleted_papers_are_never_returned(
    session_factory, engine, hide, remove, indexed
):
    ids = _papers(session_factory, 40)
    if indexed:
        assert ensure_vector_index(engine, MODEL)
    hide(ids[0])
    remove(ids[2])
    index = PgvectorIndex(MODEL)
    assert _ids(_search(session_factory, index, limit=3)) == [ids[1], ids[3], ids[4]]
    # Asking for more than there are papers returns every visible one, still in order.
    assert _ids(_search(session_factory, index, limit=100)) == [ids[1], *ids[3:]]
    cl = SearchFilters(category="cs.CL")  # papers 2, 5, 8, ... of which 2 is gone
    assert _ids(_search(session_factory, index, filters=cl, limit=2)) == [ids[5], ids[8]]


FILTERS = {
    "date": (SearchFilters(date_from=date(2026, 11, 2), date_to=date(2026, 11, 3)), "d"),
    "category": (SearchFilters(category="cs.CL"), "c"),
    "author": (SearchFilters(author="grace HOPPER"), "a"),
    "date+category": (
        SearchFilters(date_from=date(2026, 11, 2), date_to=date(2026, 11, 3), category="cs.CL"),
        "dc",
    ),
    "category+author": (SearchFilters(category="cs.CL", author="hopper"), "ca"),
    "all three": (
        SearchFilters(
            date_from=date(2026, 11, 2), date_to=date(2026, 11, 3), category="cs.CL", author="grace"
        ),
        "dca",
    ),
}


def _passes(i: int, which: str) -> bool:
    """What each filter in FILTERS means for paper ``i`` (see ``_attributes``)."""
    tests = {"d": i % 10 in (1, 2), "c": i % 6 in (2, 5), "a": i % 5 == 1}
    return all(tests[w] for w in which)


@pytest.mark.parametrize("case", FILTERS, ids=list(FILTERS))
def test_filters_keep_walking_the_index_until_the_page_is_full(
    session_factory, engine, statements, case
):
    filters, which = FILTERS[case]
    ids = _papers(session_factory)
    assert ensure_vector_index(engine, MODEL)
    limit = 5  # the rarest filter ("all three") passes 1 paper in 30: 10 of the 300
    expected = [ids[i] for i in range(len(ids)) if _passes(i, which)][:limit]
    # A small ef_search makes a single pass over the graph find far fewer than ``limit``
    # passing papers: only the iterative scan fills the page.
    index = PgvectorIndex(MODEL, ef_search=limit)
    assert _ids(_search(session_factory, index, filters=filters, limit=limit)) == expected
    statements.clear()
    with session_factory() as s:
        s.execute(text("SET LOCAL enable_sort = off"))  # the plan must walk the index
        hits = index.search(s, QUERY, filters, limit)
    assert _ids(hits) == expected
    assert len(statements) == 1, "the index walk came back short and was redone exactly"
    assert "hnsw" in _plan(session_factory, statements[0], "SET LOCAL enable_sort = off")


def test_filters_with_fewer_matches_than_the_limit_return_them_all(session_factory, engine):
    ids = _papers(session_factory)
    assert ensure_vector_index(engine, MODEL)
    filters = SearchFilters(category="cs.CL", author="coauthor 11")
    assert _ids(_search(session_factory, PgvectorIndex(MODEL), filters=filters)) == [ids[11]]
    nobody = SearchFilters(author="nobody")
    assert _search(session_factory, PgvectorIndex(MODEL), filters=nobody) == []


def test_excluded_papers_are_skipped(session_factory, engine):
    ids = _papers(session_factory, 40)
    assert ensure_vector_index(engine, MODEL)
    hits = _search(session_factory, PgvectorIndex(MODEL), limit=3, exclude=frozenset(ids[:2]))
    assert _ids(hits) == ids[2:5]
    cl = SearchFilters(category="cs.CL")
    hits = _search(
        session_factory, PgvectorIndex(MODEL), filters=cl, limit=2, exclude=frozenset({ids[2]})
    )
    assert _ids(hits) == [ids[5], ids[8]]


def test_papers_under_other_models_and_dimensions_are_ignored(session_factory, engine):
    ids = _papers(session_factory, 40)
    others = [_arxiv_id(i) for i in range(100, 110)]
    _add_papers(session_factory, [PaperRecord.build(arxiv_id=a, title="Other") for a in others])
    wide = np.eye(16, dtype=np.float32)[:10]
    _embed(session_factory, others, wide, model="other-model")
    index = PgvectorIndex(MODEL)

    def check() -> None:
        assert _ids(_search(session_factory, index, limit=3)) == ids[:3]
        other = _search(session_factory, PgvectorIndex("other-model"), wide[0], limit=1)
        assert _ids(other) == [others[0]]
        # A query of the wrong dimension for the model finds nothing and breaks nothing.
        assert _search(session_factory, index, wide[0]) == []

    check()
    assert ensure_vector_index(engine, MODEL)
    assert ensure_vector_index(engine, "other-model")
    check()
    with engine.connect() as conn:
        names = set(conn.scalars(text("SELECT indexname FROM pg_indexes")))
    assert {vector_index_name(MODEL, DIM), vector_index_name("other-model", 16)} <= names


def test_ensure_vector_index_needs_stored_embeddings_and_is_idempotent(session_factory, engine):
    assert ensure_vector_index(engine, MODEL) is False
    _papers(session_factory, 10)
    assert ensure_vector_index(engine, "unknown-model") is False
    assert ensure_vector_index(engine, MODEL) is True
    assert ensure_vector_index(engine, MODEL) is True
    with engine.connect() as conn:
        definition = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'ix_paper_embeddings_hnsw%'")
        )
    assert definition == (
        f"CREATE INDEX {vector_index_name(MODEL, DIM)} ON public.paper_embeddings USING hnsw "
        f"(((vector)::halfvec({DIM})) halfvec_cosine_ops) WITH (m='16', ef_construction='128') "
        f"WHERE (((model)::text = '{MODEL}'::text) AND (dim = {DIM}))"
    )


def test_concurrent_builds_make_one_index(session_factory, engine):
    _papers(session_factory, 200)
    barrier = threading.Barrier(3)
    results: list[bool] = []

    def build() -> None:
        barrier.wait()
        results.append(ensure_vector_index(engine, MODEL))

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True, True, True]
    with engine.connect() as conn:
        count = conn.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_paper_embeddings_hnsw%'")
        )
    assert count == 1


def test_a_model_name_with_quotes_and_percent_signs_is_a_safe_literal(
    session_factory, engine, statements
):
    model = "o'brien/50% \\x'); DROP TABLE papers; --"
    ids = [_arxiv_id(i) for i in range(30)]
    _add_papers(session_factory, [PaperRecord.build(arxiv_id=a, title="T") for a in ids])
    _embed(session_factory, ids, [_cosine_vector(1 - i / 200, i) for i in range(30)], model)
    assert ensure_vector_index(engine, model)
    assert _ids(_search(session_factory, PgvectorIndex(model), limit=3)) == ids[:3]
    name = vector_index_name(model, DIM)
    assert name in _plan(session_factory, statements[-1], "SET LOCAL enable_seqscan = off")


def test_search_restores_the_hnsw_settings_of_the_transaction(session_factory, engine):
    _papers(session_factory, 20)
    assert ensure_vector_index(engine, MODEL)
    with session_factory() as s:
        s.execute(text("SET LOCAL hnsw.ef_search = 77"))
        PgvectorIndex(MODEL).search(s, QUERY, SearchFilters(), 5)
        settings = s.execute(
            text("SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')")
        ).one()
    assert tuple(settings) == ("77", "off")


def test_ef_search_must_be_in_pgvectors_range():
    with pytest.raises(ValueError, match="ef_search"):
        PgvectorIndex(MODEL, ef_search=0)


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors shaped like sentence embeddings: a shared direction, topic mixtures, noise
    (mean pairwise cosine ~0.33, nearest neighbour ~0.6 at a few thousand vectors)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(dim)
    common /= np.linalg.norm(common)
    topics = rng.standard_normal((60, dim))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    a, b = rng.integers(0, 60, n), rng.integers(0, 60, n)
    w = rng.uniform(0.6, 1.0, n)[:, None]
    mix = w * topics[a] + (1 - w) * topics[b]
    noise = rng.standard_normal((n, dim)) * np.sqrt(0.4 / dim)
    x = (np.sqrt(0.3) * common + np.sqrt(0.3) * mix + noise).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.slow
def test_recall_against_exact_search_with_the_index_in_use(session_factory, engine, statements):
    n, dim, k = 3_000, 384, 10
    vectors = _clustered(n + 50, dim, seed=7)
    stored, queries = vectors[:n], vectors[n:]
    ids = [_arxiv_id(i) for i in range(n)]
    _add_papers(session_factory, [PaperRecord.build(arxiv_id=a, title="T") for a in ids])
    _embed(session_factory, ids, stored)
    assert ensure_vector_index(engine, MODEL)

    # Exact neighbours of the stored (half precision) vectors.
    exact = queries.astype(np.float16).astype(np.float32) @ stored.astype(np.float16).T
    index = PgvectorIndex(MODEL)
    assert index.ef_search == DEFAULT_EF_SEARCH
    name = vector_index_name(MODEL, dim)
    scans_before = _index_scans(engine, name)
    recalls = []
    with session_factory() as s:
        # A generic plan (used for prepared statements when it looks no costlier than the
        # custom ones) can use the partial index only because the model is a literal in the
        # SQL, not a parameter: force one to check.
        s.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        for query, sims in zip(queries, exact, strict=True):
            truth = {ids[i] for i in np.argsort(-sims)[:k]}
            found = _ids(index.search(s, query, SearchFilters(), k))
            recalls.append(len(truth & set(found)) / k)
        s.execute(text("SELECT pg_stat_force_next_flush()"))
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    assert len(statements) == len(queries)  # every query answered by the index walk alone
    assert name in _plan(session_factory, statements[0])
    assert _index_scans(engine, name) - scans_before == len(queries)


def _index_scans(engine, name: str) -> int:
    with engine.connect() as conn:
        sql = "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = :n"
        return conn.scalar(text(sql), {"n": name})
