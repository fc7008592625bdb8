"""Faults of ``paperfeed worker``, run as a real process against the ingest tests' fake arXiv
(tests/ingest/fake_server.py, on loopback) and the digest tests' scripted SMTP server:

- killed with SIGKILL in the middle of an arXiv harvest (waiting on arXiv, and just after a
  page arrived): the next run takes over the job lock and the harvest's cursor, completes,
  and every paper is there exactly once, findable by the search index;
- killed in the middle of a digest run: the next run sends the rest, none twice (the
  ``paperfeed digest send`` variant is tests/digest/test_jobs.py);
- arXiv failing (5xx, refused, timing out) or answering garbage (invalid XML, an HTML error
  page, a truncated body): the job fails with a message that says what happened, the run is
  recorded as failed, and the next run harvests the day;
- arXiv hanging in the middle of a harvest: the site keeps answering reads and writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from ops_helpers import free_port, serve_env, serving
from sqlalchemy import func, select

from members import make_account, new_token
from paperfeed.cli import cli
from paperfeed.store.digest_models import JobLock
from paperfeed.store.models import DailyEntry, IngestRun, Paper

TESTS = Path(__file__).resolve().parents[1]
for folder in ("ingest", "digest", "accounts"):  # the fake arXiv, the digest helpers
    sys.path.insert(0, str(TESTS / folder))

from digest_helpers import (  # noqa: E402
    DAY_KEY,
    Scripted,
    add_feed,
    cli_env,
    outbox,
    subscribe_confirmed,
)
from fake_server import FakeServer, Reply, oai_page_xml  # noqa: E402

from smtp import smtp_server  # noqa: E402

AT = "2026-11-20T07:00:00"  # the ingest (from 04:00) and the daily digest (06:00) are due
DAY = "2026-11-19"  # the day they cover
PAGES, PER_PAGE = 5, 40


class Harvest:
    """The fake arXiv's OAI-PMH endpoint: ``PAGES`` pages of ``PER_PAGE`` records, page n+1
    behind the token ``p<n+1>``; page ``hold`` is answered only once ``release`` is set
    (``held`` is set when it is asked for). Each page's titles share a word, ``quokka<n>``."""

    def __init__(self, hold: int | None = None):
        self.hold = hold
        self.held = threading.Event()
        self.release = threading.Event()
        self.served: list[int] = []

    def __call__(self, request) -> Reply:
        token = request.params.get("resumptionToken")
        n = int(token[1:]) if token else 0
        if n == self.hold:
            self.held.set()
            self.release.wait(60)
        records = [
            {"id": arxiv_id(n, i), "title": f"Paper {i} of quokka{n}"} for i in range(PER_PAGE)
        ]
        self.served.append(n)
        next_token = f"p{n + 1}" if n + 1 < PAGES else None
        return Reply(200, oai_page_xml(records, next_token, PAGES * PER_PAGE))


def arxiv_id(page: int, i: int) -> str:
    return f"2611.{page * PER_PAGE + i + 1:05d}"


@pytest.fixture
def arxiv():
    server = FakeServer()
    yield server
    server.close()


def worker_env(settings, arxiv_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env.update(
        PAPERFEED_DATABASE_URL=settings.database_url,
        PAPERFEED_INDEX_DIR=str(settings.index_dir),
        PAPERFEED_SEMANTIC_SEARCH="false",
        PAPERFEED_EMBED_AFTER_INGEST="false",
        PAPERFEED_ARXIV_OAI_URL=arxiv_url,
        PAPERFEED_HTTP_DELAY="0",
        PAPERFEED_HTTP_RETRIES="1",
        PAPERFEED_HTTP_TIMEOUT="5",
        # The harvest alone: no digest is due at AT.
        PAPERFEED_WORKER_DIGEST_HOUR="23",
        PAPERFEED_WORKER_WEEKLY_WEEKDAY="6",
    )
    env.update({f"PAPERFEED_{k.upper()}": v for k, v in extra.items()})
    return env


def start_worker(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed", "worker", "--once", "--at", AT],
        env=env,
        cwd=cwd,  # no stray .env
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)  # a crash: no clean-up; the job lock stays behind
    proc.wait(10)


def stored_ids(sessions) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(Paper.arxiv_id)))


def assert_no_duplicates(sessions) -> None:
    with sessions() as s:
        papers = s.scalar(select(func.count()).select_from(Paper))
        distinct = s.scalar(select(func.count(func.distinct(Paper.arxiv_id))))
        entries = s.scalar(select(func.count()).select_from(DailyEntry))
        entry_papers = s.scalar(select(func.count(func.distinct(DailyEntry.paper_id))))
    assert papers == distinct and entries == entry_papers


@pytest.mark.slow
def test_worker_killed_mid_harvest_resumes_without_loss_or_duplicates(
    settings, session_factory, arxiv, request, tmp_path
):
    harvest = Harvest(hold=2)
    arxiv.script("/oai", harvest)
    env = worker_env(settings, arxiv.url + "/oai")

    # 1. Killed while waiting on arXiv for page 2: pages 0 and 1 are committed.
    first = start_worker(env, tmp_path)
    assert harvest.held.wait(60), first.communicate(timeout=5)
    kill(first)
    harvest.release.set()  # the fake arXiv answers one request at a time: let it go on
    assert sorted(stored_ids(session_factory)) == [
        arxiv_id(n, i) for n in (0, 1) for i in range(PER_PAGE)
    ]
    with session_factory() as s:
        (run,) = s.scalars(select(IngestRun))
        lock = s.scalars(select(JobLock)).one()
    assert (run.status, run.cursor) == ("running", "p2")
    assert lock.finished_at is None  # held by the dead process

    # 2. Killed again just after page 3 was served: wherever it was (parsing, writing the
    # page and its cursor in one transaction, asking for page 4) it is all or nothing.
    harvest.hold, harvest.release = 4, threading.Event()
    harvest.held.clear()
    harvest.served.clear()
    second = start_worker(env, tmp_path)
    assert harvest.held.wait(60), second.communicate(timeout=5)
    assert harvest.served[0] == 2  # resumed at the cursor, not from the start
    kill(second)
    harvest.release.set()
    assert_no_duplicates(session_factory)

    # 3. The next run takes over and completes.
    harvest.hold = None
    third = start_worker(env, tmp_path)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    assert " failed:" not in err, err
    assert sorted(stored_ids(session_factory)) == [
        arxiv_id(n, i) for n in range(PAGES) for i in range(PER_PAGE)
    ]
    assert_no_duplicates(session_factory)
    with session_factory() as s:
        runs = [
            (r.status, r.error or "") for r in s.scalars(select(IngestRun).order_by(IngestRun.id))
        ]
        lock = s.scalars(select(JobLock)).one()
    assert runs[-1][0] == "done" and all(status != "running" for status, _ in runs)
    assert lock.finished_at is not None
    # The search index holds every page's papers once (each page has its own word).
    client = request.getfixturevalue("client")  # the app, opened after the worker's runs
    for n in range(PAGES):
        r = client.get("/api/papers/search", params={"q": f"quokka{n}", "limit": 100})
        assert r.status_code == 200
        found = [item["paper"]["id"] for item in r.json()]
        assert sorted(found) == [arxiv_id(n, i) for i in range(PER_PAGE)], n


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])  # the outbox's guarantees are tested on both
def test_worker_killed_mid_digest_run_sends_the_rest_once(
    settings, session_factory, paper_factory, tmp_path
):
    add_feed(paper_factory)
    addresses = [f"reader{n}@example.org" for n in range(5)]
    for address in addresses:
        subscribe_confirmed(session_factory, address)
    handler = Scripted()
    handler.hang_at = 3  # the server stops answering in the middle of the 3rd digest
    with smtp_server(handler) as smtp:
        settings = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "base_url": "https://papers.example.org",
                "mail_from": "Papers <digest@papers.example.org>",
            }
        )
        env = cli_env(settings) | {"PAPERFEED_WORKER_INGEST_SET": ""}
        first = start_worker(env, tmp_path)
        assert handler.hung.wait(60), first.communicate(timeout=5)
        kill(first)
        assert sorted(handler.by_recipient()) == addresses[:2]
        handler.hang_at = None
        handler.release()
        second = start_worker(env, tmp_path)
        out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert f"daily digest {DAY_KEY}: 3 sent" in err
    got = handler.by_recipient()
    assert sorted(got) == addresses and all(len(m) == 1 for m in got.values())
    assert {state for state, *_ in outbox(session_factory).values()} == {"sent"}


def _invalid_xml(arxiv):
    arxiv.script("/oai", Reply(200, b"<?xml version='1.0'?><OAI-PMH><ListRecords><record>"))


def _html_page(arxiv):
    arxiv.script(
        "/oai",
        Reply(
            200,
            b"<!DOCTYPE html><html><head><title>Oops</title></head><body><p>Service "
            b"temporarily unavailable<br></body></html>",
            headers={"Content-Type": "text/html"},
        ),
    )


def _truncated(arxiv):
    page = oai_page_xml([{"id": arxiv_id(0, 0)}], None, 1)
    arxiv.script("/oai", Reply(200, page, truncate=True))


def _server_error(arxiv):
    arxiv.script("/oai", Reply(503, b"down for maintenance"))


def _slow(arxiv):
    arxiv.script("/oai", Reply(200, b"", delay=2.5))  # past the 1 s timeout below


FAULTS = {
    "5xx": (_server_error, "HTTP 503 (gave up after 2 attempts)"),
    "refused": (None, "connection failed"),
    "timeout": (_slow, "timed out"),
    "invalid-xml": (_invalid_xml, "is not valid XML"),
    "html-page": (_html_page, "is not valid XML"),
    "truncated": (_truncated, "connection failed"),
}


@pytest.mark.parametrize("backend", ["sqlite"])  # nothing here depends on the database
@pytest.mark.parametrize("fault", FAULTS)
def test_arxiv_failing_is_reported_and_the_next_run_harvests(
    settings, session_factory, arxiv, fault
):
    make_fault, message = FAULTS[fault]
    url = arxiv.url + "/oai"
    if make_fault is None:
        url = f"http://127.0.0.1:{free_port()}/oai"  # nothing listens there
    else:
        make_fault(arxiv)
    settings = settings.model_copy(
        update={
            "arxiv_oai_url": url,
            "http_delay": 0,
            "http_retries": 1,
            "http_timeout": 1,
            "worker_digest_hour": 23,
            "worker_weekly_weekday": 6,
        }
    )
    runner = CliRunner()
    failed = runner.invoke(cli, ["worker", "--once", "--at", AT], obj=settings)
    assert failed.exit_code == 0, failed.output  # one failing job does not stop the worker
    assert f"job ingest-arxiv {DAY} failed:" in failed.stderr and message in failed.stderr
    with session_factory() as s:
        run = s.scalars(select(IngestRun)).one()
        lock = s.scalars(select(JobLock)).one()
    assert run.status == "failed" and message in run.error
    assert lock.finished_at is None  # released unfinished: the next run may take it
    assert stored_ids(session_factory) == []

    # arXiv is back: the next run (cron's next hour; the long-running worker after
    # RETRY_FAILED_JOB) harvests the day.
    arxiv.script("/oai", Harvest())
    settings = settings.model_copy(update={"arxiv_oai_url": arxiv.url + "/oai"})
    again = runner.invoke(cli, ["worker", "--once", "--at", AT], obj=settings)
    assert again.exit_code == 0 and " failed:" not in again.stderr, again.output
    assert len(stored_ids(session_factory)) == PAGES * PER_PAGE


@pytest.mark.slow
def test_the_site_keeps_serving_while_arxiv_hangs_mid_harvest(
    settings, session_factory, paper_factory, arxiv, tmp_path
):
    paper_factory(arxiv_id="2611.09999", title="A paper to vote on")
    token = new_token(session_factory, make_account(session_factory, "ada"))
    harvest = Harvest(hold=2)
    arxiv.script("/oai", harvest)
    with serving(serve_env(settings), tmp_path / "serve.log") as base:
        worker = start_worker(worker_env(settings, arxiv.url + "/oai"), tmp_path)
        try:
            assert harvest.held.wait(60), worker.communicate(timeout=5)
            slowest = 0.0
            with httpx.Client(base_url=base, timeout=10) as site:
                for n in range(20):
                    start = time.monotonic()
                    for path in ("/", "/papers/2611.09999", "/api/papers/search?q=quokka1"):
                        assert site.get(path).status_code == 200, path
                    # A write while the harvest is in the middle of its run.
                    method = "POST" if n % 2 == 0 else "DELETE"
                    vote = site.request(
                        method,
                        "/api/papers/2611.09999/upvote",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    assert vote.status_code == 200, vote.text
                    slowest = max(slowest, time.monotonic() - start)
                assert slowest < 2.0
                assert worker.poll() is None  # still waiting on arXiv
                # What the harvest committed before it stalled is already served.
                found = site.get("/api/papers/search", params={"q": "quokka1", "limit": 100})
                assert len(found.json()) == PER_PAGE
        finally:
            harvest.release.set()
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert len(stored_ids(session_factory)) == PAGES * PER_PAGE + 1
