"""Reads from a streaming replica, writes and read-your-own-writes on the primary: two real
PostgreSQL servers (tests/ops/conftest.py), the standby's replay paused to make lag visible."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.requests import Request

from members import NOW, make_account, signed_in
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.http.read_routing import PRIMARY_COOKIE, read_sessions
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, session_scope

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("pg_pair")]

ARXIV_ID = "2611.00042"


@pytest.fixture
def pair_app(replicated_db, tmp_path):
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
    return app


def _request(app, method: str, cookies: str | None = None) -> Request:
    headers = [(b"cookie", cookies.encode())] if cookies else []
    return Request({"type": "http", "method": method, "headers": headers, "app": app})


def _in_recovery(app, request: Request) -> bool:
    with read_sessions(request)() as session:
        return session.scalar(text("SELECT pg_is_in_recovery()"))


def test_gets_read_the_standby_writes_and_fresh_reads_the_primary(pair_app):
    assert _in_recovery(pair_app, _request(pair_app, "GET")) is True
    assert _in_recovery(pair_app, _request(pair_app, "HEAD")) is True
    assert _in_recovery(pair_app, _request(pair_app, "POST")) is False
    assert _in_recovery(pair_app, _request(pair_app, "GET", f"{PRIMARY_COOKIE}=1")) is False
    # Whatever else the app opens itself (writes, sessions, rate limits) is the primary.
    with pair_app.state.sessions() as session:
        assert session.scalar(text("SELECT pg_is_in_recovery()")) is False


def test_the_replica_engine_refuses_writes_even_if_pointed_at_the_primary(replicated_db):
    from sqlalchemy.exc import InternalError

    from paperfeed.store.db import make_replica_engine

    primary, _ = replicated_db
    engine = make_replica_engine(primary)
    try:
        with pytest.raises(InternalError, match="read-only transaction"), engine.begin() as conn:
            conn.execute(text("CREATE TABLE must_not_exist (x int)"))
    finally:
        engine.dispose()


def _add_paper(sessions) -> None:
    record = PaperRecord.build(
        arxiv_id=ARXIV_ID,
        title="Replicas and their lag",
        abstract="How stale can a read be.",
        authors=("Ada Lovelace",),
        categories=("cs.DB",),
        published_at=NOW,
    )
    with session_scope(sessions) as s:
        upsert_records(s, [record], source="test", now=NOW)


def _pause_replay(standby_url: str, paused: bool) -> None:
    engine = make_engine(standby_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        fn = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        conn.execute(text(f"SELECT {fn}()"))
    engine.dispose()


def test_a_voter_reads_its_vote_while_anonymous_readers_see_the_lagging_replica(
    pair_app, replicated_db, pg_pair
):
    _, standby = replicated_db
    _add_paper(pair_app.state.sessions)
    make_account(pair_app.state.sessions, "ada")
    pg_pair.wait_replayed()
    with TestClient(pair_app) as voter, TestClient(pair_app) as anonymous:
        signed_in(voter)
        voter.cookies.delete(PRIMARY_COOKIE)  # the log-in set it: start from a plain reader
        token = voter.get("/").text.split('name="csrf-token" content="')[-1].split('"')[0]
        _pause_replay(standby, True)
        try:
            vote = voter.post(f"/api/papers/{ARXIV_ID}/upvote", headers={"X-CSRF-Token": token})
            assert vote.status_code == 200, vote.text
            assert vote.json()["upvotes"] == 1
            assert f"{PRIMARY_COOKIE}=1" in vote.headers["set-cookie"]
            assert "Max-Age=30" in vote.headers["set-cookie"]

            # The replica has not replayed the vote: anonymous readers do not see it yet...
            assert anonymous.get(f"/api/papers/{ARXIV_ID}").json()["upvotes"] == 0
            # ...the voter, whose write response marked its browser, reads the primary.
            assert voter.get(f"/api/papers/{ARXIV_ID}").json()["upvotes"] == 1
            # It is the mark that does it, not the session: without it, the replica again.
            voter.cookies.delete(PRIMARY_COOKIE)
            assert voter.get(f"/api/papers/{ARXIV_ID}").json()["upvotes"] == 0
        finally:
            _pause_replay(standby, False)
        pg_pair.wait_replayed()
        assert anonymous.get(f"/api/papers/{ARXIV_ID}").json()["upvotes"] == 1


def test_health_reports_the_replica_and_readiness_needs_it(pair_app, pg_pair):
    with TestClient(pair_app) as client:
        replica = client.get("/healthz").json()["replica"]
        assert replica["reachable"] is True and replica["standby"] is True
        assert client.get("/readyz").json() == {"ready": True}
    broken = pair_app.state.settings.model_copy(
        update={"database_replica_url": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"}
    )
    app = create_app(broken)
    with TestClient(app) as client:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert any("replica unreachable" in p for p in r.json()["problems"])
