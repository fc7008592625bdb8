"""The disk full while writing the SQLite database: an ingest, a vote and a comment at that
moment get a clear error (one CLI line saying what to do; HTTP 507 with the JSON error body
or an error page, never a 500), reads keep working, nothing is half-written, the database
passes ``PRAGMA integrity_check``, and once there is room again the same writes succeed.

"Full" is SQLite's real SQLITE_FULL path ("database or disk is full"): every connection to
the test's database gets ``PRAGMA max_page_count`` = its current size, and the last pages
are filled, so the next write that needs a page fails as it does on a full disk.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.pool import Pool

from members import make_account, new_token, post_form, signed_in
from paperfeed.cli import cli
from paperfeed.store.models import Comment, Paper, PaperVote

ARXIV_ID = "2611.00001"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@contextmanager
def disk_full(db: Path, engines=()) -> Iterator[None]:
    """Every new connection to ``db`` finds it full until the block ends; ``engines``
    (already open, e.g. the app's) drop their pooled connections on the way in and out."""

    def limit(dbapi_conn, _record) -> None:
        if not isinstance(dbapi_conn, sqlite3.Connection):
            return
        if Path(dbapi_conn.execute("PRAGMA database_list").fetchone()[2]) != db:
            return
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Pool, "connect", limit)
    for engine in engines:
        engine.dispose()
    try:
        _fill(db, limit)
        yield
    finally:
        event.remove(Pool, "connect", limit)
        for engine in engines:
            engine.dispose()


def _fill(db: Path, limit) -> None:
    """Use up the free pages and the room left in the last pages of the change log, which
    every write to a paper appends to (a vote, a comment, an ingest)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        limit(conn, None)
        paper_id = conn.execute("SELECT min(id) FROM papers").fetchone()[0]
        while True:
            try:
                conn.execute(
                    "INSERT INTO paper_changes (paper_id, changed_at) VALUES (?, ?)",
                    (paper_id, "2026-11-20 12:00:00.000000"),
                )
            except sqlite3.OperationalError as exc:
                assert "database or disk is full" in str(exc)
                return
    finally:
        conn.close()


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _jsonl(path: Path, first: int, count: int) -> Path:
    with path.open("w") as f:
        for n in range(first, first + count):
            record = {
                "arxiv_id": f"2611.{n:05d}",
                "title": f"Paper {n} written when the disk was full",
                "abstract": "An abstract long enough to need some room. " * 8,
                "authors": ["Ada Lovelace"],
                "categories": ["cs.LG"],
                "published_at": "2026-11-19T00:00:00Z",
            }
            f.write(json.dumps(record) + "\n")
    return path


def test_writes_on_a_full_disk_fail_clearly_and_leave_the_database_intact(
    settings, app, client, session_factory, paper_factory, tmp_path
):
    db = Path(settings.database_url.removeprefix("sqlite:///"))
    paper_factory(arxiv_id=ARXIV_ID, title="A paper on full disks")
    token = new_token(session_factory, make_account(session_factory, "ada"))
    bearer = {"Authorization": f"Bearer {token}"}
    signed_in(client)  # before the disk fills: a log-in writes a session
    papers = _jsonl(tmp_path / "papers.jsonl", 100, 300)
    comment = {"body": "A long comment. " * 400}  # needs pages of its own
    runner = CliRunner()

    with disk_full(db, engines=[app.state.engine]):
        ingest = runner.invoke(cli, ["ingest", "jsonl", str(papers)], obj=settings)
        assert ingest.exit_code == 1
        assert isinstance(ingest.exception, SystemExit)  # a message, no traceback
        line = ingest.output.strip()
        assert line.startswith("Error: the database's disk is full"), ingest.output
        assert "free space" in line and "run the command again" in line

        vote = client.post(f"/api/papers/{ARXIV_ID}/upvote", headers=bearer)
        assert vote.status_code == 507, vote.text
        assert vote.json() == {
            "ok": False,
            "error": "The server's disk is full, so nothing was saved; please try again later.",
            "status": 507,
        }
        said = client.post(f"/api/papers/{ARXIV_ID}/comments", json=comment, headers=bearer)
        assert said.status_code == 507 and said.json()["status"] == 507
        page = post_form(client, f"/papers/{ARXIV_ID}", f"/papers/{ARXIV_ID}/upvote", {})
        assert page.status_code == 507 and "disk is full" in page.text
        assert "Traceback" not in page.text
        # Reads need no room: the site keeps serving.
        assert client.get("/").status_code == 200
        assert client.get(f"/api/papers/{ARXIV_ID}", headers=bearer).status_code == 200

    # Nothing half-written: the failed transactions left no trace.
    assert _integrity(db) == "ok"
    assert _count(session_factory, Paper) == 1
    assert _count(session_factory, PaperVote) == 0
    assert _count(session_factory, Comment) == 0
    with session_factory() as s:
        paper = s.scalars(select(Paper)).one()
    assert (paper.upvotes, paper.local_comments) == (0, 0)

    # Room again: the same writes succeed.
    again = runner.invoke(cli, ["ingest", "jsonl", str(papers)], obj=settings)
    assert again.exit_code == 0, again.output
    assert "300 added" in again.output
    assert client.post(f"/api/papers/{ARXIV_ID}/upvote", headers=bearer).json()["upvotes"] == 1
    r = client.post(f"/api/papers/{ARXIV_ID}/comments", json=comment, headers=bearer)
    assert r.status_code == 201
    assert _count(session_factory, Paper) == 301
    assert _integrity(db) == "ok"
