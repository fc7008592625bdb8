"""Stored embeddings: float16 on SQLite, pgvector halfvec on PostgreSQL, float32 when read."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import delete, select, text

from paperfeed.embed.store import (
    EmbeddingRow,
    count_embedded,
    load_embeddings,
    text_hash,
    write_embeddings,
)
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperEmbedding


def _ids(session_factory, arxiv_ids):
    with session_factory() as s:
        by_arxiv = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
    return [by_arxiv[a] for a in arxiv_ids]


def _unit(n, dim, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_vectors_round_trip_at_half_precision(session_factory, paper_factory):
    ids = _ids(session_factory, [paper_factory() for _ in range(3)])
    vectors = _unit(3, 384)
    rows = [EmbeddingRow(pid, text_hash(str(pid)), 1) for pid in ids]
    with session_scope(session_factory) as s:
        assert write_embeddings(s, "m", rows, vectors) == 3
    with session_factory() as s:
        loaded = load_embeddings(s, "m")
        stored = s.scalars(select(PaperEmbedding).order_by(PaperEmbedding.paper_id)).all()
    assert sorted(loaded) == sorted(ids)
    for pid, original in zip(ids, vectors, strict=True):
        got = loaded[pid]
        assert got.dtype == np.float32 and got.shape == (384,)
        cosine = float(got @ original) / float(np.linalg.norm(got))
        assert cosine >= 0.999
        np.testing.assert_allclose(got, original, atol=1e-3)
    assert {(e.model, e.dim) for e in stored} == {("m", 384)}
    assert all(e.created_at.tzinfo is not None for e in stored)


def test_a_rewrite_replaces_the_paper_embedding(session_factory, paper_factory):
    (pid,) = _ids(session_factory, [paper_factory()])
    first, second = _unit(2, 8, seed=1)
    with session_scope(session_factory) as s:
        write_embeddings(s, "a", [EmbeddingRow(pid, "h1", 1)], first[None])
    with session_scope(session_factory) as s:
        write_embeddings(s, "b", [EmbeddingRow(pid, "h2", 2)], second[None])
    with session_factory() as s:
        assert load_embeddings(s, "a") == {}
        np.testing.assert_allclose(load_embeddings(s, "b")[pid], second, atol=1e-3)
        assert s.scalar(select(PaperEmbedding.text_hash)) == "h2"


def test_embeddings_go_with_their_paper_and_count_only_visible_papers(
    session_factory, paper_factory
):
    ids = _ids(session_factory, [paper_factory() for _ in range(3)])
    with session_scope(session_factory) as s:
        write_embeddings(s, "m", [EmbeddingRow(p, "h", 1) for p in ids], _unit(3, 8))
        s.get(Paper, ids[1]).hidden = True
    with session_factory() as s:
        assert count_embedded(s, "m") == (2, 2)
        assert count_embedded(s, "other") == (0, 2)
    with session_scope(session_factory) as s:
        s.execute(delete(Paper).where(Paper.id == ids[0]))
    with session_factory() as s:
        assert sorted(load_embeddings(s, "m")) == sorted(ids[1:])


def test_a_paper_deleted_meanwhile_is_not_written(session_factory, paper_factory):
    (pid,) = _ids(session_factory, [paper_factory()])
    rows = [EmbeddingRow(pid, "h", 1), EmbeddingRow(pid + 1000, "h", 1)]
    with session_scope(session_factory) as s:
        assert write_embeddings(s, "m", rows, _unit(2, 8)) == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_column_is_pgvector_halfvec_on_postgresql(session_factory):
    with session_factory() as s:
        kind = s.scalar(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'paper_embeddings'::regclass AND attname = 'vector'"
            )
        )
    assert kind == "halfvec"
