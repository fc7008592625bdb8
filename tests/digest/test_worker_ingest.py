"""``paperfeed worker``'s daily arXiv harvest against a local fake arXiv OAI-PMH server (real
HTTP on 127.0.0.1): yesterday's papers of the configured set, under the job lock, once per
day; a failed harvest is retried, a stopped one resumes where it stopped."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import timedelta

import pytest
from click.testing import CliRunner
from digest_helpers import DAY, DAY_KEY, NOW, paperfeed
from sqlalchemy import select

from ingest.fake_server import FakeServer, Reply, oai_page_xml
from paperfeed.cli import cli
from paperfeed.digest import locks
from paperfeed.ingest.daily import HarvestStopped, harvest_day
from paperfeed.store.digest_models import JobLock
from paperfeed.store.models import Paper

BEFORE_DIGESTS = "2026-11-20T05:00:00"  # after worker_ingest_hour (4), before the digests (6)


@pytest.fixture
def arxiv():
    with closing(FakeServer()) as server:
        yield server


@pytest.fixture
def settings(settings, arxiv):
    return settings.model_copy(
        update={
            "arxiv_oai_url": f"{arxiv.url}/oai",
            "worker_ingest_set": "cs",
            "http_delay": 0.0,
            "http_retries": 0,
        }
    )


def two_pages(request):
    if request.params.get("resumptionToken") is None:
        return Reply(body=oai_page_xml([{"id": "2611.00001"}, {"id": "2611.00002"}], "p2", 3))
    return Reply(body=oai_page_xml([{"id": "2611.00003"}], None, 3))


def stored_ids(sessions) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(Paper.arxiv_id)))


def ingest_lock(sessions) -> JobLock | None:
    with sessions() as session:
        return locks.lock_holder(session, "ingest-arxiv", DAY_KEY)


def worker_once(settings, at: str = BEFORE_DIGESTS):
    return CliRunner().invoke(cli, ["worker", "--once", "--at", at], obj=settings)


def test_worker_harvests_yesterday_once_under_the_job_lock(settings, session_factory, arxiv):
    arxiv.script("/oai", two_pages)
    r = worker_once(settings)
    assert r.exit_code == 0, r.output
    assert "arxiv-oai: 3 added" in r.output
    assert stored_ids(session_factory) == ["2611.00001", "2611.00002", "2611.00003"]
    first = arxiv.requests_to("/oai")[0].params
    assert (first["from"], first["until"], first["set"]) == (DAY_KEY, DAY_KEY, "cs")
    assert ingest_lock(session_factory).finished_at is not None
    # The day is done: a later poll (or another worker) does not harvest it again.
    asked = len(arxiv.requests)
    again = worker_once(settings, "2026-11-20T23:00:00")
    assert again.exit_code == 0, again.output
    assert len(arxiv.requests) == asked


def test_worker_leaves_a_harvest_another_process_holds(settings, session_factory, arxiv):
    arxiv.script("/oai", two_pages)
    assert locks.acquire(
        session_factory,
        "ingest-arxiv",
        DAY_KEY,
        holder="elsewhere:1:a",
        now=NOW,
        lease=timedelta(days=3650),
    )
    r = worker_once(settings)
    assert r.exit_code == 0, r.output
    assert arxiv.requests == [] and stored_ids(session_factory) == []
    assert ingest_lock(session_factory).holder == "elsewhere:1:a"


def test_a_failed_harvest_is_reported_and_retried_later(settings, session_factory, arxiv):
    arxiv.script("/oai", Reply(503, headers={"Retry-After": "0"}))
    r = worker_once(settings)
    assert r.exit_code == 0  # one failing job does not stop the worker
    assert "job ingest-arxiv 2026-11-19 failed" in r.output
    lock = ingest_lock(session_factory)
    assert lock.finished_at is None  # released, free for the next attempt
    arxiv.script("/oai", two_pages)
    r = worker_once(settings)
    assert r.exit_code == 0 and "arxiv-oai: 3 added" in r.output
    assert ingest_lock(session_factory).finished_at is not None


def test_a_stopped_harvest_resumes_at_the_next_page(settings, session_factory, arxiv):
    arxiv.script("/oai", two_pages)
    with pytest.raises(HarvestStopped):
        harvest_day(settings, session_factory, DAY, should_stop=lambda: True)
    assert stored_ids(session_factory) == ["2611.00001", "2611.00002"]  # the first page
    report = harvest_day(settings, session_factory, DAY)
    assert report.added == 1
    assert arxiv.requests_to("/oai")[-1].params.get("resumptionToken") == "p2"
    assert stored_ids(session_factory) == ["2611.00001", "2611.00002", "2611.00003"]


def test_worker_logs_in_the_configured_format(settings, arxiv, tmp_path):
    arxiv.script("/oai", Reply(503, headers={"Retry-After": "0"}))
    env = {
        "PAPERFEED_LOG_FORMAT": "json",
        "PAPERFEED_ARXIV_OAI_URL": settings.arxiv_oai_url,
        "PAPERFEED_WORKER_INGEST_SET": "cs",
        "PAPERFEED_HTTP_DELAY": "0",
        "PAPERFEED_HTTP_RETRIES": "0",
    }
    proc = paperfeed(settings, tmp_path, "worker", "--once", "--at", BEFORE_DIGESTS, env=env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    failed = [r for r in records if r.get("logger") == "paperfeed.cli.worker"]
    assert failed and failed[0]["level"] == "ERROR", err
    assert "ingest-arxiv" in failed[0]["message"]
