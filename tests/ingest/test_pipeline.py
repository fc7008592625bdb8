"""run_ingest: one transaction per page, IngestRun bookkeeping, resuming an interrupted harvest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fake_server import Reply, oai_page_xml
from sqlalchemy import func, select

from paperfeed.errors import SourceUnavailable
from paperfeed.ingest import pipeline
from paperfeed.ingest.http import Fetcher
from paperfeed.ingest.pipeline import Page, oai_params_key, oai_source, run_ingest
from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.store.models import IngestRun, Paper

NOW = datetime(2026, 11, 21, 6, tzinfo=UTC)
PAGES = 5
PER_PAGE = 2


def page_records(n: int) -> list[dict]:
    return [{"id": f"2611.{n * 10 + i:05d}"} for i in range(PER_PAGE)]


class FlakyOai:
    """Five OAI pages linked by tokens t1..t4; page 3 can be made to drop the connection."""

    def __init__(self):
        self.drop_page = None

    def __call__(self, request) -> Reply:
        token = request.params.get("resumptionToken")
        n = int(token[1:]) + 1 if token else 1
        if n == self.drop_page:
            return Reply(drop=True)
        following = f"t{n}" if n < PAGES else None
        return Reply(body=oai_page_xml(page_records(n), following, PAGES * PER_PAGE))


def harvest_source(server, clock):
    fetcher = Fetcher(retries=2, delay=0, clock=clock, sleep=clock.sleep)
    return oai_source(fetcher, f"{server.url}/oai", from_=date(2026, 11, 1), until=None, set_="cs")


def runs(session_factory) -> list[IngestRun]:
    with session_factory() as s:
        return list(s.scalars(select(IngestRun).order_by(IngestRun.id)))


def paper_count(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Paper))


def test_a_harvest_interrupted_on_page_3_resumes_there_without_duplicates(
    session_factory, fake_server, clock
):
    oai = FlakyOai()
    oai.drop_page = 3
    fake_server.script("/oai", oai)
    key = oai_params_key(date(2026, 11, 1), None, "cs")

    with pytest.raises(SourceUnavailable, match="gave up after 3 attempts"):
        run_ingest(
            session_factory, harvest_source(fake_server, clock), source="oai", params_key=key
        )
    (failed,) = runs(session_factory)
    assert (failed.status, failed.cursor, failed.added) == ("failed", "t2", 4)
    assert "SourceUnavailable" in failed.error
    assert paper_count(session_factory) == 4  # pages 1 and 2, committed with their cursor

    oai.drop_page = None
    first_run_requests = len(fake_server.requests)
    report = run_ingest(
        session_factory, harvest_source(fake_server, clock), source="oai", params_key=key
    )
    resumed = [r.params for r in fake_server.requests[first_run_requests:]]
    assert resumed == [{"verb": "ListRecords", "resumptionToken": t} for t in ("t2", "t3", "t4")]
    assert (report.added, report.updated, report.unchanged) == (6, 0, 0)
    assert paper_count(session_factory) == PAGES * PER_PAGE
    last = runs(session_factory)[-1]
    assert (last.status, last.cursor, last.added, last.error) == ("done", None, 6, None)


def test_a_finished_harvest_starts_over_and_changes_nothing(session_factory, fake_server, clock):
    fake_server.script("/oai", FlakyOai())
    for _ in range(2):
        report = run_ingest(
            session_factory, harvest_source(fake_server, clock), source="oai", params_key="k"
        )
    assert (report.added, report.unchanged) == (0, PAGES * PER_PAGE)
    assert fake_server.requests[PAGES].params["metadataPrefix"] == "arXiv"  # from the start


def test_restart_ignores_the_cursor_of_an_unfinished_run(session_factory, fake_server, clock):
    oai = FlakyOai()
    oai.drop_page = 2
    fake_server.script("/oai", oai)
    with pytest.raises(SourceUnavailable):
        run_ingest(
            session_factory, harvest_source(fake_server, clock), source="oai", params_key="k"
        )
    oai.drop_page = None
    before = len(fake_server.requests)
    run_ingest(
        session_factory,
        harvest_source(fake_server, clock),
        source="oai",
        params_key="k",
        resume=False,
    )
    assert "resumptionToken" not in fake_server.requests[before].params


def test_a_run_left_running_by_a_dead_process_is_taken_over(session_factory):
    with session_factory() as s:
        s.add(IngestRun(source="x", params_key="k", status="running", started_at=NOW, cursor="c7"))
        s.commit()
    seen = []

    def source(cursor):
        seen.append(cursor)
        return iter(())

    run_ingest(session_factory, source, source="x", params_key="k", now=NOW)
    dead, new = runs(session_factory)
    assert seen == ["c7"]
    assert dead.status == "failed" and "taken over" in dead.error
    assert new.status == "done"


def record(n: int) -> PaperRecord:
    return PaperRecord.build(arxiv_id=f"2611.{n:05d}", title=f"Paper {n}")


def test_plain_records_are_batched_and_failures_reported_not_fatal(session_factory, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 3)
    items = [record(1), Failure("line 2", "not JSON"), record(3), record(4), record(5)]
    report = run_ingest(session_factory, items, source="jsonl", now=NOW)
    assert (report.added, len(report.failed)) == (4, 1)
    (run,) = runs(session_factory)
    assert (run.status, run.added, run.failed) == ("done", 4, 1)
    assert run.failures == [{"key": "line 2", "reason": "not JSON"}]


def test_stored_failures_are_capped(session_factory, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_STORED_FAILURES", 5)
    pages = [Page([Failure(f"k{p}.{i}", "bad") for i in range(4)]) for p in range(3)]
    report = run_ingest(session_factory, pages, source="x", now=NOW)
    assert len(report.failed) == 12
    (run,) = runs(session_factory)
    assert run.failed == 12 and len(run.failures) == 5


def test_an_error_in_the_middle_keeps_committed_pages_and_marks_the_run_failed(session_factory):
    def pages():
        yield Page([record(1), record(2)])
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        run_ingest(session_factory, pages(), source="x", now=NOW)
    (run,) = runs(session_factory)
    assert (run.status, run.added) == ("failed", 2)
    assert run.error == "RuntimeError: disk on fire"
    assert paper_count(session_factory) == 2


def test_progress_goes_to_stderr_only_on_a_terminal(session_factory, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    pages = [Page([record(1), record(2)], cursor="c", total=4), Page([record(3), record(4)])]
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run_ingest(session_factory, pages, source="oai", now=NOW, progress=True)
    assert "4/4" in terminal.getvalue()

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    run_ingest(session_factory, pages, source="oai", now=NOW, progress=True)
    assert piped.getvalue() == ""
