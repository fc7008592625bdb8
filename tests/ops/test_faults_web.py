"""Faults of the web tier under steady load (bench.faults.SteadyLoad: client threads, one
keep-alive connection each, reading pages and the API, one more voting):

- a web worker of ``paperfeed serve --workers 2`` killed with SIGKILL: no request sees a
  500; the only failures are requests in flight on the killed worker's connections; the
  other worker keeps answering and uvicorn's supervisor starts a replacement;
- PostgreSQL stopped and started again (a dedicated server): requests in between get a
  clear 503 (JSON under /api, a page elsewhere) at once, never a 500 or a hang, and the same
  app serves again afterwards without being restarted (pool_pre_ping).

Longer runs with figures: bench/faults.py (docs/benchmarks.md, "Faults").
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from ops_helpers import serve_env, serving

from members import NOW, make_account, new_token

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: bench/

from bench.faults import (  # noqa: E402
    RestartablePostgres,
    SteadyLoad,
    make_database,
    reading_requests,
    upvote_consistency,
    workers_answering,
)

from paperfeed.ingest.records import PaperRecord  # noqa: E402
from paperfeed.ingest.upsert import upsert_records  # noqa: E402
from paperfeed.settings import Settings  # noqa: E402
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope  # noqa: E402

pytestmark = pytest.mark.slow

IDS = [f"2611.{n:05d}" for n in range(1, 6)]


def _papers(paper_factory) -> None:
    for arxiv_id in IDS:
        paper_factory(arxiv_id=arxiv_id, title=f"Language models under faults {arxiv_id}")


def _loads(base: str, token: str) -> tuple[SteadyLoad, SteadyLoad]:
    readers = SteadyLoad(base, reading_requests(IDS), clients=4)
    up = f"/api/papers/{IDS[0]}/upvote"
    voter = SteadyLoad(
        base,
        [("POST", up), ("DELETE", up)],
        clients=1,
        headers={"Authorization": f"Bearer {token}"},
    )
    return readers, voter


def test_a_web_worker_killed_under_load(settings, session_factory, paper_factory, tmp_path):
    _papers(paper_factory)
    token = new_token(session_factory, make_account(session_factory, "ada"))
    env = serve_env(settings, rate_limit_writes="1000000/hour")
    log = tmp_path / "serve.log"
    with serving(env, log, "--workers", "2") as base:
        old = workers_answering(base)
        readers, voter = _loads(base, token)
        with readers, voter:
            readers.wait_for(100)
            victim = next(o.worker for o in readers.outcomes if o.worker)
            killed_at = time.monotonic()
            os.kill(int(victim), signal.SIGKILL)
            # The clients stay on their keep-alive connections; new connections find the
            # replacement worker once it is up.
            workers_answering(base, count=1, exclude=old)
            replaced_after = time.monotonic() - killed_at
            time.sleep(0.5)
        now = workers_answering(base)
    outcomes = readers.outcomes + voter.outcomes
    answered = [o for o in outcomes if o.status is not None]
    failed = [o for o in outcomes if o.status is None]
    # No request saw an error status: the killed worker answered nothing half-way.
    assert {o.status for o in answered} == {200}, [o for o in answered if o.status != 200][:3]
    # The only failures: requests in flight on a connection to the killed worker (at most
    # one per client), none from before the kill.
    assert len(failed) <= readers.clients + voter.clients, failed
    assert all(o.start + o.seconds >= killed_at for o in failed), failed
    assert all(o.connection_worker == victim for o in failed), failed
    # The other worker kept answering, and uvicorn's supervisor replaced the dead one.
    survivor = (old - {victim}).pop()
    assert any(o.worker == survivor for o in readers.between(killed_at))
    assert victim not in now and survivor in now and len(now) == 2
    assert replaced_after < 30
    assert f"Child process [{victim}] died" in log.read_text()
    # A vote in flight when its worker died was committed whole or not at all.
    assert upvote_consistency(settings.database_url, IDS[0])["consistent"]


@pytest.fixture
def restartable_pg(tmp_path):
    """A PostgreSQL of its own for this test: stopping it must not disturb other tests."""
    if os.environ.get("PAPERFEED_TEST_POSTGRES", "1") == "0":
        pytest.skip("PostgreSQL tests disabled by PAPERFEED_TEST_POSTGRES=0")
    pg = RestartablePostgres(tmp_path / "pg")
    yield pg
    pg.close()


def test_postgresql_restarted_under_load(restartable_pg, tmp_path):
    url = make_database(restartable_pg, "faults")
    settings = Settings(database_url=url, index_dir=tmp_path / "index", _env_file=None)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        records = [
            PaperRecord.build(
                arxiv_id=i,
                title=f"Language models under faults {i}",
                abstract="An abstract.",
                authors=("Ada Lovelace",),
                categories=("cs.LG",),
                published_at=NOW,
            )
            for i in IDS
        ]
        upsert_records(s, records, source="test", now=NOW)
    token = new_token(sessions, make_account(sessions, "ada"))
    engine.dispose()
    env = serve_env(settings, rate_limit_writes="1000000/hour")
    with serving(env, tmp_path / "serve.log", "--workers", "2") as base:
        old = workers_answering(base)
        readers, voter = _loads(base, token)
        with readers, voter:
            readers.wait_for(50)
            stopped_at = time.monotonic()
            restartable_pg.stop("fast")
            time.sleep(1.5)  # down long enough that every client meets the outage
            restartable_pg.start()
            up_at = time.monotonic()
            deadline = up_at + 20
            while not [o for o in readers.between(up_at) if o.status == 200]:
                assert time.monotonic() < deadline, "the app did not reconnect"
                time.sleep(0.1)
            recovered = time.monotonic()
            time.sleep(1.0)
            end = time.monotonic()
        after = workers_answering(base)
    outcomes = readers.outcomes + voter.outcomes
    during = [o for o in outcomes if stopped_at <= o.start < up_at]
    assert during, "no request met the outage"
    # Every request got an answer, quickly: nothing hung on the dead database.
    assert all(o.status is not None for o in outcomes), [o for o in outcomes if o.status is None]
    assert max(o.seconds for o in outcomes) < 5
    # Nothing but 200 and a clear 503; the 503 says so in JSON under /api, a page elsewhere.
    assert {o.status for o in outcomes} <= {200, 503}
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable, "no request saw the outage"
    for o in unavailable:
        assert "Traceback" not in o.body and "not available right now" in o.body, o
        if o.path.startswith("/api/"):
            assert o.body.startswith('{"ok":false'), o
        else:
            assert "<html" in o.body.lower(), o
    # Afterwards the same workers (not restarted) answer everything again.
    assert after == old
    settled = [o for o in outcomes if o.start >= recovered + 0.5]
    assert settled and {o.status for o in settled} == {200}, settled[:3]
    assert end - recovered > 0.9
    assert upvote_consistency(url, IDS[0])["consistent"]
