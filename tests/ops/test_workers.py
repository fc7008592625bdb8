"""`paperfeed serve --workers 2` as a real process on loopback, on both databases: what one
worker writes, the other serves (response cache, keyword index, sessions, CSRF, rate limits),
and /metrics adds up both workers' counts.

Requests go out on a fresh connection each ("Connection: close"), so the kernel hands them
to either worker; every response names its worker in ``X-Paperfeed-Worker``. One site a
database serves the whole module (it takes ~10 s to start); each test keeps to its own paper
and accounts, so the tests pass in any order.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from ops_helpers import serve_env, serving

from members import NOW, PASSWORD, make_account, new_token
from module_database import BACKENDS, database_for, grouped
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

pytestmark = pytest.mark.slow

ARXIV_ID = "2611.00077"  # voted on by the first test
LIMITED = "2611.00079"  # voted on by the rate-limit test


def each_worker(base: str, path: str, workers: int = 2, tries: int = 200, **kwargs) -> dict:
    """GET ``path`` until each of ``workers`` workers has answered; ``{pid: response}``."""
    seen: dict[str, httpx.Response] = {}
    for _ in range(tries):
        r = httpx.get(base + path, headers={"Connection": "close"}, timeout=10, **kwargs)
        seen[r.headers["x-paperfeed-worker"]] = r
        if len(seen) == workers:
            return seen
    raise AssertionError(f"only workers {sorted(seen)} answered {path} in {tries} requests")


def _paper(arxiv_id: str, title: str) -> PaperRecord:
    return PaperRecord.build(
        arxiv_id=arxiv_id,
        title=title,
        abstract=f"{title}: an abstract.",
        authors=("Ada Lovelace",),
        categories=("cs.LG",),
        published_at=NOW,
    )


@pytest.fixture(scope="module", params=grouped(BACKENDS, "two-workers"))
def site(request, tmp_path_factory):
    """``(base URL, sessionmaker)`` of one two-worker site on a fresh database."""
    tmp_path = tmp_path_factory.mktemp("two-workers")
    url = database_for(request.param, request, tmp_path, prefix="workers")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        papers = [_paper(ARXIV_ID, "Workers agree"), _paper(LIMITED, "Workers count")]
        upsert_records(s, papers, source="test", now=NOW)
    settings = Settings(database_url=url, index_dir=tmp_path / "index", _env_file=None)
    env = serve_env(settings, rate_limit_writes="6/hour")
    with serving(env, tmp_path / "serve.log", "--workers", "2") as base:
        yield base, sessions
    engine.dispose()


@pytest.fixture
def two_workers(site):
    return site[0]


@pytest.fixture
def session_factory(site):
    return site[1]


def _upvotes(responses: dict) -> set[int]:
    return {r.json()["upvotes"] for r in responses.values()}


def test_a_write_through_one_worker_is_served_by_both(two_workers, session_factory):
    base = two_workers
    # Both workers cache the page as it is now (anonymous GETs are cached).
    assert _upvotes(each_worker(base, f"/api/papers/{ARXIV_ID}")) == {0}
    account = make_account(session_factory, "cyd")
    token = new_token(session_factory, account)
    vote = httpx.post(
        f"{base}/api/papers/{ARXIV_ID}/upvote", headers={"Authorization": f"Bearer {token}"}
    )
    assert vote.status_code == 200 and vote.json()["upvotes"] == 1
    # Whichever worker took the vote, both now serve the new count, not their cached page.
    assert _upvotes(each_worker(base, f"/api/papers/{ARXIV_ID}")) == {1}


def test_papers_added_meanwhile_are_found_by_both_workers(two_workers, session_factory):
    base = two_workers
    for r in each_worker(base, "/api/papers/search?q=zebrafish").values():
        assert r.json() == []
    # As `paperfeed ingest` would, from another process: straight into the database.
    with session_scope(session_factory) as s:
        upsert_records(s, [_paper("2611.00078", "Zebrafish fins")], source="test", now=NOW)
    deadline = time.monotonic() + 10  # tantivy: another process's commit shows within ~0.5 s
    while True:
        found = {
            pid: [p["paper"]["id"] for p in r.json()]
            for pid, r in each_worker(base, "/api/papers/search?q=zebrafish").items()
        }
        if all(ids == ["2611.00078"] for ids in found.values()):
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_sessions_csrf_and_rate_limits_hold_across_workers(two_workers, session_factory):
    base = two_workers
    make_account(session_factory, "ada")
    token = new_token(session_factory, make_account(session_factory, "bob"))
    with httpx.Client(base_url=base, headers={"Connection": "close"}) as browser:
        page = browser.get("/login")
        csrf = CSRF.search(page.text).group(1)
        login = browser.post(
            "/login", data={"login": "ada", "password": PASSWORD, "csrf_token": csrf}
        )
        assert login.status_code == 303, login.text
        # The session made by one worker is honoured by each.
        for pid, r in each_worker(base, "/account", cookies=browser.cookies).items():
            assert r.status_code == 200 and "ada" in r.text, pid
        # A CSRF token from one worker's page is accepted by the other worker.
        tokens = {
            pid: CSRF.search(r.text).group(1)
            for pid, r in each_worker(base, "/account", cookies=browser.cookies).items()
        }
        assert len(set(tokens.values())) == 1  # derived from the cookie, no per-worker state
    # The write limit (6 per hour) is counted in the database, whichever worker answers.
    statuses = [
        httpx.post(
            f"{base}/api/papers/{LIMITED}/upvote",
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        ).status_code
        for _ in range(8)
    ]
    assert statuses == [200] * 6 + [429] * 2


def test_metrics_add_up_both_workers(two_workers):
    base = two_workers
    pids = set()
    for _ in range(40):
        r = httpx.get(base + "/healthz", headers={"Connection": "close"})
        pids.add(r.headers["x-paperfeed-worker"])
    assert len(pids) == 2
    for _ in range(4):  # whichever worker answers the scrape reports both workers' counts
        text = httpx.get(base + "/metrics", headers={"Connection": "close"}).text
        line = re.search(
            r'^paperfeed_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
            text,
            re.M,
        )
        assert line and float(line.group(1)) == 40.0, text[:3000]
