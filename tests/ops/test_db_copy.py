"""`paperfeed db copy --to postgresql+psycopg://...`: a SQLite site moved to a real PostgreSQL,
embeddings and threads included; the target then serves pages and searches, and new rows
get fresh ids."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from members import NOW, make_account
from paperfeed.app import create_app
from paperfeed.embed.store import EmbeddingRow, load_embeddings, text_hash, write_embeddings
from paperfeed.http.deps import get_now
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service.comments import add_comment
from paperfeed.service.votes import upvote
from paperfeed.store.copy import row_counts
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.models import Comment, Paper

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

DIM = 384


@pytest.fixture
def filled_sqlite(settings, session_factory, paper_factory):
    """A SQLite site with papers, embeddings, a member, a vote and a comment thread."""
    ids = [paper_factory(title=f"Copied paper on topic {n}") for n in range(5)]
    ids.append(paper_factory(title="Glacier meltwater lakes", abstract="Ice sheets and lakes."))
    rng = np.random.default_rng(7)
    with session_scope(session_factory) as s:
        papers = s.scalars(select(Paper).order_by(Paper.id)).all()
        rows = [EmbeddingRow(p.id, text_hash(p.title), 0) for p in papers]
        vectors = rng.normal(size=(len(rows), DIM)).astype(np.float32)
        write_embeddings(s, settings.embedding_model, rows, vectors, now=NOW)
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as s:
        upvote(s, ada.id, ids[-1], now=NOW)
        top = add_comment(s, ids[-1], ada, "A first comment", now=NOW)
        add_comment(s, ids[-1], ada, "A reply", now=NOW, parent_id=top.id)
    return ids


def test_copy_sqlite_to_postgresql(run, settings, engine, filled_sqlite, pg_database, tmp_path):
    target = pg_database("copy")  # an empty database: the copy creates the schema
    result = run("db", "copy", "--to", target)
    assert result.exit_code == 0, result.output
    assert "keyword index" in result.output and "done: set PAPERFEED_DATABASE_URL" in result.output

    pg = make_engine(target)
    try:
        source_counts = row_counts(engine)
        assert row_counts(pg) == source_counts
        assert source_counts["papers"] == 6 and source_counts["paper_embeddings"] == 6
        assert source_counts["comments"] == 2 and source_counts["paper_votes"] == 1
        pg_sessions = make_sessionmaker(pg)
        # Embeddings: SQLite's float16 bytes arrive as the same halfvec values.
        with make_sessionmaker(engine)() as s:
            before = load_embeddings(s, settings.embedding_model)
        with pg_sessions() as s:
            after = load_embeddings(s, settings.embedding_model)
            reply = s.scalars(select(Comment).where(Comment.parent_id.is_not(None))).one()
            assert reply.body == "A reply"
        assert before.keys() == after.keys()
        for pid, vector in before.items():
            np.testing.assert_array_equal(vector, after[pid])
        # Sequences moved past the copied ids: a new paper and comment get fresh ones.
        bob = make_account(pg_sessions, "bob")
        with session_scope(pg_sessions) as s:
            upsert_records(
                s, [_record("2611.09999", "Written after the move")], source="t", now=NOW
            )
            add_comment(s, filled_sqlite[-1], bob, "After the move", now=NOW)

        # The target serves: a paper page, a keyword search and similar papers (pgvector).
        target_settings = settings.model_copy(
            update={"database_url": target, "index_dir": tmp_path / "pg-index"}
        )
        app = create_app(target_settings.model_copy(update={"semantic_search": True}))
        app.dependency_overrides[get_now] = lambda: NOW
        with TestClient(app) as client:
            page = client.get(f"/papers/{filled_sqlite[-1]}")
            assert page.status_code == 200 and "Glacier meltwater lakes" in page.text
            assert "A reply" in page.text
            hits = client.get("/api/papers/search", params={"q": "glacier", "mode": "keyword"})
            assert [h["paper"]["id"] for h in hits.json()] == [filled_sqlite[-1]]
            assert client.get(f"/api/papers/{filled_sqlite[-1]}").json()["upvotes"] == 1
    finally:
        pg.dispose()


def test_copy_refuses_a_target_with_data_unless_forced(run, filled_sqlite, pg_database):
    target = pg_database("copy")
    assert run("db", "copy", "--to", target).exit_code == 0
    again = run("db", "copy", "--to", target)
    assert again.exit_code == 1
    assert "already holds data" in again.output and "--force" in again.output
    forced = run("db", "copy", "--to", target, "--force")
    assert forced.exit_code == 0, forced.output
    pg = make_engine(target)
    try:
        assert row_counts(pg)["papers"] == 6
    finally:
        pg.dispose()


def test_copy_to_itself_is_refused(run, settings, filled_sqlite):
    result = run("db", "copy", "--to", settings.database_url)
    assert result.exit_code == 1 and "the target is the database itself" in result.output


def _record(arxiv_id: str, title: str) -> PaperRecord:
    return PaperRecord.build(
        arxiv_id=arxiv_id,
        title=title,
        abstract="An abstract.",
        authors=("Ada Lovelace",),
        categories=("cs.LG",),
        published_at=NOW,
    )
