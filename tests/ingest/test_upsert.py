from datetime import UTC, date, datetime

from sqlalchemy import func, select

from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope
from paperfeed.store.models import DailyEntry, Paper, PaperChange

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def rec(**kw):
    kw.setdefault("arxiv_id", "2611.00001")
    kw.setdefault("title", "A title")
    return PaperRecord.build(**kw)


def run(session_factory, records):
    with session_scope(session_factory) as s:
        return upsert_records(s, records, source="test", now=NOW)


def test_upsert_is_idempotent(session_factory):
    records = [
        rec(arxiv_id=f"2611.0000{i}", abstract="x", feed_day=date(2026, 11, 20)) for i in range(5)
    ]
    first = run(session_factory, records)
    second = run(session_factory, records)
    assert (first.added, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 5)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 5
        assert s.scalar(select(func.count()).select_from(DailyEntry)) == 5
        assert s.scalar(select(func.count()).select_from(PaperChange)) == 5


def test_newer_version_replaces_and_older_never_overwrites(session_factory):
    run(session_factory, [rec(arxiv_id="2611.00001v2", title="Second version")])
    report = run(session_factory, [rec(arxiv_id="2611.00001v1", title="First version")])
    assert report.unchanged == 1
    report = run(session_factory, [rec(arxiv_id="2611.00001v3", title="Third version")])
    assert report.updated == 1
    with session_factory() as s:
        paper = s.scalars(select(Paper)).one()
        assert (paper.version, paper.title) == (3, "Third version")


def test_unknown_fields_never_erase_known_ones(session_factory):
    run(session_factory, [rec(abstract="Known abstract", authors=["A B"], upvotes=7)])
    run(session_factory, [rec(abstract="", authors=[])])
    with session_factory() as s:
        paper = s.scalars(select(Paper)).one()
        assert (paper.abstract, paper.authors, paper.upvotes) == ("Known abstract", ["A B"], 7)


def test_parse_failure_is_reported_and_the_rest_is_written(session_factory):
    good = rec(arxiv_id="2611.00001")
    failure = Failure("line 3", "not JSON")
    report = run(session_factory, [good, failure, rec(arxiv_id="2611.00002")])
    assert report.added == 2
    assert report.failed == [failure]


def test_same_paper_twice_in_one_batch_is_one_paper(session_factory):
    report = run(session_factory, [rec(title="One"), rec(title="Two", upvotes=3)])
    assert report.added == 1
    with session_factory() as s:
        paper = s.scalars(select(Paper)).one()
        assert (paper.title, paper.upvotes) == ("Two", 3)


def test_record_the_database_rejects_is_reported_and_the_batch_is_kept(session_factory):
    """2**63 upvotes passes validation but fits no integer column: only that paper fails."""
    records = [rec(arxiv_id=f"2611.0000{i}") for i in range(1, 4)]
    records.insert(1, rec(arxiv_id="2611.00009", upvotes=2**63))
    report = run(session_factory, records)
    assert report.added == 3
    assert [f.key for f in report.failed] == ["2611.00009"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 3
        assert s.scalar(select(func.count()).select_from(PaperChange)) == 3


def test_bulk_upsert_relaxes_durability_for_its_own_transaction_only(session_factory, backend):
    if backend != "postgresql":
        return  # SQLite has no per-transaction durability switch; bulk changes nothing there
    from sqlalchemy import text

    with session_scope(session_factory) as s:
        upsert_records(s, [rec()], source="test", now=NOW, bulk=True)
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "off"
    with session_scope(session_factory) as s:
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
        upsert_records(s, [rec(title="Again")], source="test", now=NOW)
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
