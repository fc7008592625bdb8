"""Migrations go down and up again on both databases: from whatever head is (0009 and later
included) down to 0004, the schema before accounts, with community data in the tables; then
up again to the same schema as a fresh upgrade, and down once more."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect, text

from members import NOW, make_account
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service import authors, comments, moderation
from paperfeed.service.votes import set_vote
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

BASE = "0004"  # the last revision before the community features (0005 accounts)
PAPER = "2611.00001"


@pytest.fixture
def empty_url(backend, tmp_path, pg_database) -> str:
    """An empty database (no template: the migrations build everything)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'downgrade.db'}"
    return pg_database("down")


def schema(engine) -> dict[str, tuple]:
    """Tables -> (columns, indexes, unique constraints, foreign keys), by name."""
    found = inspect(engine)
    return {
        table: (
            sorted(c["name"] for c in found.get_columns(table)),
            sorted(str(i["name"]) for i in found.get_indexes(table)),
            sorted(str(u["name"]) for u in found.get_unique_constraints(table)),
            sorted(str(f["referred_table"]) for f in found.get_foreign_keys(table)),
        )
        for table in sorted(found.get_table_names())
    }


def community_data(engine) -> None:
    """A paper with a vote, a comment, a claim approved by an admin, a ban: rows in every
    table 0005-0008 made, so each downgrade runs over real data."""
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        record = PaperRecord.build(
            arxiv_id=PAPER,
            title="A paper",
            abstract="About it.",
            authors=("Ada Lovelace",),
            published_at=NOW,
            feed_day=date(2026, 11, 20),
            upvotes=7,
        )
        upsert_records(s, [record], source="test", now=NOW)
    ada = make_account(sessions, "ada")
    eve = make_account(sessions, "eve")
    admin = make_account(sessions, "boss", role="admin")
    with session_scope(sessions) as s:
        set_vote(s, ada.id, PAPER, up=True, now=NOW)
        comments.add_comment(s, PAPER, ada, "A comment.", now=NOW)
        claim = authors.claim_authorship(s, ada, PAPER, "Ada Lovelace", now=NOW)
    with session_scope(sessions) as s:
        authors.decide_claim(s, admin, claim.id, True, now=NOW)
        moderation.set_featured(s, admin, PAPER, True, now=NOW)
        moderation.ban_user(s, admin, eve.username, now=NOW)


def test_downgrade_to_0004_and_up_again(empty_url):
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        head = migrate.head_revision()
        fresh = schema(engine)
        community_data(engine)
        config = migrate.alembic_config(engine)

        command.downgrade(config, BASE)
        assert migrate.current_revision(engine) == BASE
        tables = set(inspect(engine).get_table_names())
        assert {"users", "paper_votes", "comments", "author_claims", "admin_actions"}.isdisjoint(
            tables
        )
        columns = {c["name"] for c in inspect(engine).get_columns("papers")}
        assert {"imported_upvotes", "local_comments"}.isdisjoint(columns)
        with engine.connect() as conn:  # the papers stay, with their imported counts
            row = conn.execute(text("SELECT arxiv_id, upvotes FROM papers")).one()
            assert tuple(row) == (PAPER, 7)
            day = conn.execute(text("SELECT day FROM daily_entries")).scalar_one()
            assert str(day) == "2026-11-20"  # and stay on the feed

        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == head
        assert schema(engine) == fresh
        community_data(engine)  # the tables work again

        command.downgrade(config, BASE)  # and the second time down, with new rows
        assert migrate.current_revision(engine) == BASE
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM papers")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM daily_entries")).scalar() == 1
    finally:
        engine.dispose()
