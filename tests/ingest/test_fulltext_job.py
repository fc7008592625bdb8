"""The full-text job against a fake arxiv.org/html on loopback (the real Fetcher), on both
databases: pages stored as Markdown with passages; the stub and 404 recorded as "none"; bad
pages recorded as failures and retried after their backoff while the job goes on; a stopped
run finished by the next without a request or a row twice; the daily budget kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fake_server import Reply
from sqlalchemy import func, select

from paperfeed.ingest.fulltext_job import due_papers, run_fulltext
from paperfeed.ingest.http import Fetcher
from paperfeed.service.fulltext import fulltext_markdown
from paperfeed.store.fulltext_models import FulltextPassage, PaperFulltext
from paperfeed.store.models import Paper

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
IDS = {
    "2611.00001": "ok",  # the fixture page
    "2611.00002": "stub",  # arXiv's 200 "No HTML for" page
    "2611.00003": "404",
    "2611.00004": "not-latexml",
    "2611.00005": "truncated",
    "2611.00006": "busy",  # 503 + Retry-After, then the page
}


@pytest.fixture
def arxiv(fake_server, data_file):
    page = data_file("arxiv_html/2406.00001v2.html")
    replies = {
        "ok": [Reply(200, page)],
        "stub": [Reply(200, data_file("arxiv_html/no_html_stub.html"))],
        "404": [Reply(404, b"<html>No HTML</html>")],
        "not-latexml": [Reply(200, data_file("arxiv_html/not_latexml.html"))],
        "truncated": [Reply(200, page[: len(page) * 2 // 3])],
        "busy": [Reply(503, b"busy", {"Retry-After": "7"}), Reply(200, page)],
    }
    for arxiv_id, kind in IDS.items():
        fake_server.script(f"/html/{arxiv_id}v1", *replies[kind])
    return fake_server


@pytest.fixture
def papers(paper_factory):
    for i, arxiv_id in enumerate(IDS):
        paper_factory(arxiv_id=arxiv_id, feed_day=date(2026, 11, 20) - timedelta(days=i))
    paper_factory(arxiv_id="2611.00099")  # not on the feed: out of the default scope


def _run(settings, session_factory, arxiv, clock, now=T0, **kwargs):
    settings = settings.model_copy(update={"arxiv_html_url": f"{arxiv.url}/html", **kwargs})
    fetcher = Fetcher(delay=3.0, retries=2, clock=clock, sleep=clock.sleep)
    with fetcher:
        return run_fulltext(settings, session_factory, fetcher, now=lambda: now)


def _states(session_factory) -> dict[str, tuple]:
    with session_factory() as s:
        rows = s.execute(
            select(Paper.arxiv_id, PaperFulltext.status, PaperFulltext.attempts).join(
                PaperFulltext, PaperFulltext.paper_id == Paper.id
            )
        )
        return {a: (status, attempts) for a, status, attempts in rows}


def test_the_job_stores_text_records_none_and_failures_and_goes_on(
    settings, session_factory, arxiv, clock, papers
):
    report = _run(settings, session_factory, arxiv, clock)
    assert (report.fetched, report.none, report.failed) == (2, 2, 2), report.failures
    assert _states(session_factory) == {
        "2611.00001": ("ok", 0),
        "2611.00002": ("none", 0),
        "2611.00003": ("none", 0),
        "2611.00004": ("failed", 1),
        "2611.00005": ("failed", 1),
        "2611.00006": ("ok", 0),
    }
    assert 7.0 in clock.sleeps  # Retry-After honoured
    assert all(s >= 3.0 - 1e-6 for s in clock.sleeps)  # one request at a time, 3 s apart
    assert not arxiv.requests_to("/html/2611.00099v1")  # not on the feed
    reasons = {f["arxiv_id"]: f["reason"] for f in report.failures}
    assert "not LaTeXML" in reasons["2611.00004"] and "truncated" in reasons["2611.00005"]
    with session_factory() as s:
        paper_id = s.scalar(select(Paper.id).where(Paper.arxiv_id == "2611.00001"))
        md = fulltext_markdown(s, paper_id)
        assert md.startswith("## 1 Introduction") and "$O(nk)$" in md
        none_id = s.scalar(select(Paper.id).where(Paper.arxiv_id == "2611.00002"))
        assert fulltext_markdown(s, none_id) is None
        assert (
            s.scalar(select(func.count()).select_from(FulltextPassage)) == 2 * 4
        )  # 4 passages a page

    # Nothing is due again the same day: no request, nothing written twice.
    before = len(arxiv.requests)
    again = _run(settings, session_factory, arxiv, clock, now=T0 + timedelta(minutes=5))
    assert (again.fetched, again.none, again.failed) == (0, 0, 0)
    assert len(arxiv.requests) == before

    # After their backoff the failures are asked again (and fail again: attempts 2).
    later = _run(settings, session_factory, arxiv, clock, now=T0 + timedelta(hours=2))
    assert later.failed == 2 and later.fetched == later.none == 0
    assert _states(session_factory)["2611.00004"] == ("failed", 2)


def test_a_stopped_run_is_finished_by_the_next_and_the_budget_is_kept(
    settings, session_factory, arxiv, clock, papers
):
    first = _run(settings, session_factory, arxiv, clock, fulltext_daily_budget=2)
    assert first.fetched + first.none + first.failed == 2 and first.stopped == "daily budget spent"
    second = _run(settings, session_factory, arxiv, clock, fulltext_daily_budget=2)
    assert second.fetched + second.none + second.failed == 0 and second.budget_left == 0
    tomorrow = T0 + timedelta(days=1)
    third = _run(settings, session_factory, arxiv, clock, now=tomorrow, fulltext_daily_budget=50)
    assert third.fetched + third.none + third.failed == 4
    assert len(_states(session_factory)) == 6
    for arxiv_id in ("2611.00001", "2611.00002", "2611.00003"):
        assert len(arxiv.requests_to(f"/html/{arxiv_id}v1")) == 1, arxiv_id
    with session_factory() as s:
        assert due_papers(s, "feed", tomorrow, 10) == []
        ords = s.execute(select(FulltextPassage.paper_id, FulltextPassage.ord)).all()
        assert len(ords) == len(set(ords)) == 2 * 4


def test_arxiv_down_ends_the_run_after_three_failures_in_a_row(
    settings, session_factory, fake_server, clock, papers
):
    fake_server.script("/html/2611.00001v1", Reply(drop=True))
    for arxiv_id in IDS:
        fake_server.script(f"/html/{arxiv_id}v1", Reply(503, b"down"))
    report = _run(settings, session_factory, fake_server, clock)
    assert report.failed == 3 and report.stopped.startswith("arXiv unreachable")
    assert len(_states(session_factory)) == 3


def test_the_worker_runs_the_job_once_an_hour_under_its_lock(settings, arxiv, papers, data_file):
    from threading import Event

    from paperfeed.cli.fulltext import run_fulltext_slot
    from paperfeed.digest import locks
    from paperfeed.runtime import Runtime

    # The worker's Fetcher sleeps for real: no Retry-After here.
    arxiv.script("/html/2611.00006v1", Reply(200, data_file("arxiv_html/2406.00001v2.html")))
    on = settings.model_copy(
        update={"fulltext": True, "arxiv_html_url": f"{arxiv.url}/html", "http_delay": 0}
    )
    with Runtime.open(on) as runtime:
        run_fulltext_slot(runtime, locks.new_holder(), Event(), T0)
        assert _states(runtime.sessions)["2611.00001"] == ("ok", 0)
        requests = len(arxiv.requests)
        assert requests >= 6
        # The same hour again (another worker, or this one's next poll): the slot is done.
        run_fulltext_slot(runtime, locks.new_holder(), Event(), T0 + timedelta(minutes=30))
        assert len(arxiv.requests) == requests
