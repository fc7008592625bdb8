"""Member pages (web/member_pages.py) with a lagging replica: a member who just voted reads
their vote on their next HTML page at once; another member, like anonymous readers, sees
the replica. Two real PostgreSQL servers (tests/ops/conftest.py), replay paused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from members import NOW, csrf_of, make_account, signed_in
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.http.read_routing import PRIMARY_COOKIE
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, session_scope

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("pg_pair")]

ARXIV_ID = "2611.00043"
VOTE = re.compile(r'action="/papers/[^/]+/upvote".*?aria-pressed="(true|false)"', re.S)


def _pause_replay(standby_url: str, paused: bool) -> None:
    engine = make_engine(standby_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text(f"SELECT {'pg_wal_replay_pause' if paused else 'pg_wal_replay_resume'}()")
        )
    engine.dispose()


def test_a_member_reads_their_vote_on_their_next_page_despite_the_lag(
    replicated_db, pg_pair, tmp_path
):
    primary, standby = replicated_db
    settings = Settings(
        database_url=primary,
        database_replica_url=standby,
        read_primary_seconds=30,
        semantic_search=False,
        index_dir=tmp_path / "index",
        _env_file=None,
    )
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    record = PaperRecord.build(
        arxiv_id=ARXIV_ID, title="Lagging pages", abstract="A.", authors=("Ada Lovelace",),
        categories=("cs.DB",), published_at=NOW,
    )  # fmt: skip
    with session_scope(app.state.sessions) as s:
        upsert_records(s, [record], source="test", now=NOW)
    make_account(app.state.sessions, "ada")
    make_account(app.state.sessions, "bob")
    pg_pair.wait_replayed()
    page = f"/papers/{ARXIV_ID}"
    with TestClient(app) as ada, TestClient(app) as bob:
        for client, name in ((ada, "ada"), (bob, "bob")):
            signed_in(client, name)
            client.cookies.delete(PRIMARY_COOKIE)
            assert VOTE.search(client.get(page).text).group(1) == "false"  # shared renders
        token = csrf_of(ada.get(page).text)
        _pause_replay(standby, True)
        try:
            r = ada.post(f"{page}/upvote", data={"action": "up", "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
            assert r.status_code == 303
            mine = ada.get(page).text
            assert VOTE.search(mine).group(1) == "true"
            assert "1 upvote" in mine
            assert "0 upvotes" in bob.get(page).text  # the replica, not yet replayed
        finally:
            _pause_replay(standby, False)
        pg_pair.wait_replayed()
        assert "1 upvote" in bob.get(page).text
