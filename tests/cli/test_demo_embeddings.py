"""The demo ships precomputed embeddings: loading imports them without the model, only where
the text is unchanged, and once."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select

from paperfeed.cli.demo import load_demo
from paperfeed.demo import embeddings as demo_embeddings
from paperfeed.demo.embeddings import read_shipped
from paperfeed.embed import model as embed_model
from paperfeed.embed.job import count_pending, embed_missing
from paperfeed.embed.model import paper_text
from paperfeed.embed.store import count_embedded, load_embeddings, text_hash
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange, PaperEmbedding


@pytest.fixture(scope="module")
def shipped():
    found = read_shipped()
    assert found is not None, "src/paperfeed/demo/embeddings.npz is missing or unreadable"
    return found


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if anything tries to load an embedding model."""

    def refuse(*args, **kwargs):
        raise AssertionError("the demo load must not load the embedding model")

    monkeypatch.setattr(embed_model, "get_embedder", refuse)
    monkeypatch.setattr(embed_model.SentenceTransformerEmbedder, "_load", refuse)


class StubEmbedder:
    """Stands in for the model in the embed job; records what it was asked to embed."""

    def __init__(self, name: str, dim: int):
        self.name = name
        self.dim = dim
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


@pytest.mark.slow  # loads the 2,836 demo papers
def test_demo_load_imports_an_embedding_for_every_paper_once(
    settings, session_factory, shipped, no_model
):
    loaded = load_demo(settings)

    assert loaded.added == len(shipped.arxiv_ids) == 2_836
    assert loaded.embedded == loaded.added
    model = settings.embedding_model
    with session_factory() as session:
        assert count_embedded(session, model) == (2_836, 2_836)
        assert count_pending(session, model) == 0
        stored = load_embeddings(session, model)
        ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
        last_change = session.scalar(select(func.max(PaperChange.seq)))
    for i in (0, 1_000, 2_835):
        vector = shipped.vectors[i].astype(np.float32)
        np.testing.assert_array_equal(stored[ids[shipped.arxiv_ids[i]]], vector)

    again = load_demo(settings)

    assert (again.added, again.embedded) == (0, 0)
    with session_factory() as session:
        assert session.scalar(select(func.max(PaperChange.seq))) == last_change
        assert session.scalar(select(func.count()).select_from(PaperEmbedding)) == 2_836


@pytest.mark.slow  # loads the 2,836 demo papers
def test_paper_whose_text_differs_from_the_shipped_one_is_left_for_the_embed_job(
    settings, session_factory, shipped, monkeypatch, no_model
):
    stale = replace(shipped, text_hashes=["0" * 64, *shipped.text_hashes[1:]])
    monkeypatch.setattr(demo_embeddings, "read_shipped", lambda: stale)

    loaded = load_demo(settings)

    assert loaded.embedded == loaded.added - 1
    model = settings.embedding_model
    with session_factory() as session:
        assert count_pending(session, model) == 1
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == shipped.arxiv_ids[0])).one()
        text = paper_text(paper.title, paper.abstract)
    job_embedder = StubEmbedder(model, shipped.vectors.shape[1])
    report = embed_missing(session_factory, job_embedder)
    assert (report.embedded, report.remaining) == (1, 0)
    assert job_embedder.texts == [text]


@pytest.mark.slow  # loads the 2,836 demo papers
def test_reloading_an_existing_demo_database_imports_only_what_is_missing_and_unchanged(
    settings, session_factory, shipped, no_model
):
    load_demo(settings)
    edited, dropped = shipped.arxiv_ids[0], shipped.arxiv_ids[1:11]
    with session_scope(session_factory) as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == edited)).one()
        record = PaperRecord.build(
            arxiv_id=edited,
            version=paper.version + 1,
            title=paper.title,
            abstract="A rewritten abstract.",
        )
        upsert_records(session, [record], source="test", now=datetime.now(UTC))
        session.execute(
            PaperEmbedding.__table__.delete().where(
                PaperEmbedding.paper_id.in_(select(Paper.id).where(Paper.arxiv_id.in_(dropped)))
            )
        )

    again = load_demo(settings)

    assert (again.added, again.embedded) == (0, len(dropped))
    with session_factory() as session:
        assert count_pending(session, settings.embedding_model) == 1


@pytest.mark.slow  # loads the 2,836 demo papers
def test_shipped_embeddings_of_another_model_are_not_imported(settings, session_factory, no_model):
    settings = settings.model_copy(update={"embedding_model": "some/other-model"})

    loaded = load_demo(settings)

    assert (loaded.added, loaded.embedded) == (2_836, 0)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PaperEmbedding)) == 0


@pytest.mark.slow
@pytest.mark.semantic
@pytest.mark.parametrize("backend", ["sqlite"])
def test_shipped_vectors_match_a_fresh_encoding_by_the_real_model(
    backend, settings, session_factory, shipped
):
    from paperfeed.embed.model import SentenceTransformerEmbedder

    load_demo(settings)
    sample = random.Random(20241108).sample(range(len(shipped.arxiv_ids)), 20)
    with session_factory() as session:
        papers = {
            p.arxiv_id: p
            for p in session.scalars(
                select(Paper).where(Paper.arxiv_id.in_([shipped.arxiv_ids[i] for i in sample]))
            )
        }
    texts = [
        paper_text(papers[shipped.arxiv_ids[i]].title, papers[shipped.arxiv_ids[i]].abstract)
        for i in sample
    ]
    assert [text_hash(t) for t in texts] == [shipped.text_hashes[i] for i in sample]

    fresh = SentenceTransformerEmbedder(shipped.model, device="cpu").encode(texts)

    ours = shipped.vectors[sample].astype(np.float32)
    cosines = (
        (ours * fresh).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(fresh, axis=1)
    )
    assert cosines.min() >= 0.999, cosines


def test_embeddings_file_round_trips_hashes_ending_in_zero_bytes(tmp_path):
    written = demo_embeddings.ShippedEmbeddings(
        model="m",
        arxiv_ids=["2401.00001", "2401.00002"],
        text_hashes=["ab" * 31 + "00", "00" * 32],
        vectors=np.eye(2, 4, dtype=np.float16),
    )
    demo_embeddings.save_shipped(tmp_path / "e.npz", written)

    read = read_shipped(tmp_path / "e.npz")

    assert read.text_hashes == written.text_hashes
    assert read.arxiv_ids == written.arxiv_ids
    np.testing.assert_array_equal(read.vectors, written.vectors)


def test_unreadable_embeddings_file_is_ignored(tmp_path):
    (tmp_path / "e.npz").write_bytes(b"not a zip file")

    assert read_shipped(tmp_path / "e.npz") is None
