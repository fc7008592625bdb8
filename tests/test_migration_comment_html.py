"""Migration 0010 stores each comment's rendered HTML: comments written before it get theirs
from the same renderer the service uses, on both databases, and it goes down again."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect, text

from members import NOW, make_account
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service import comments
from paperfeed.service.markdown import render_markdown
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

PAPER = "2611.00001"
BODIES = ["Nice **result**, see [the code](https://example.org/x).", "![" * 5_000, "Reply."]


@pytest.fixture
def empty_url(backend, tmp_path, pg_database) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'comment_html.db'}"
    return pg_database("comment_html")


def test_0010_renders_the_comments_written_before_it(empty_url):
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        record = PaperRecord.build(
            arxiv_id=PAPER, title="A paper", abstract="About it.", authors=("Ada",),
            published_at=NOW, feed_day=date(2026, 11, 20),
        )  # fmt: skip
        with session_scope(sessions) as s:
            upsert_records(s, [record], source="test", now=NOW)
        ada = make_account(sessions, "ada")
        with session_scope(sessions) as s:
            first = comments.add_comment(s, PAPER, ada, BODIES[0], now=NOW).id
            comments.add_comment(s, PAPER, ada, BODIES[1], now=NOW)
            comments.add_comment(s, PAPER, ada, BODIES[2], now=NOW, parent_id=first)
        with session_scope(sessions) as s:  # a "[deleted]" placeholder: nothing to render
            comments.delete_comment(s, first, ada, now=NOW)

        config = migrate.alembic_config(engine)
        command.downgrade(config, "0009")
        assert "body_html" not in {c["name"] for c in inspect(engine).get_columns("comments")}
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT body, body_html FROM comments ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("", ""),
            (BODIES[1], render_markdown(BODIES[1])),
            (BODIES[2], "<p>Reply.</p>\n"),
        ]
        assert "<a " not in rows[1][1]  # rendered under the cap, its brackets as typed
        migrate.upgrade(engine)
        with session_scope(sessions) as s:  # and the service reads them as it wrote them
            shown = comments.thread_page(s, PAPER).threads
        assert [v.html for v in shown] == ["<p><em>[deleted]</em></p>", rows[1][1]]
        assert shown[0].replies[0].html == "<p>Reply.</p>\n"
    finally:
        engine.dispose()
