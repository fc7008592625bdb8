"""The paperfeed/1 JSON Lines format: parsing, and export -> import -> export without loss."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from paperfeed.ingest.jsonl import (
    FIELDS,
    export_lines,
    iter_file_lines,
    parse_jsonl,
    read_file_bytes,
    record_to_json,
)
from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope
from paperfeed.store.models import Base

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def full_record() -> PaperRecord:
    return PaperRecord.build(
        arxiv_id="2611.00042v3",
        title="A complete paper",
        abstract="First paragraph.\n\nSecond paragraph.",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.LG", "stat.ML"],
        comments="12 pages",
        journal_ref="J. Test 1 (2026)",
        doi="10.1000/test",
        published_at=datetime(2026, 11, 1, 17, 30, tzinfo=UTC),
        updated_at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        github_repo="https://github.com/x/y",
        github_stars=5,
        project_page="https://x.example",
        upvotes=17,
        num_comments=2,
        feed_day=date(2026, 11, 19),
        submitted_by="ada",
        submitted_at=datetime(2026, 11, 19, 1, 2, 3, 456000, tzinfo=UTC),
    )


def test_a_line_has_exactly_the_record_fields_and_parses_back_equal():
    record = full_record()
    line = record_to_json(record)
    assert list(json.loads(line)) == list(FIELDS)
    (parsed,) = parse_jsonl([line])
    assert parsed == record


def test_bad_lines_become_failures_with_line_numbers():
    lines = [
        '{"arxiv_id": "2611.00001", "title": "Good"}',
        "",
        "[1, 2",
        '{"arxiv_id": "2611.00002", "title": "T", "titel": "typo"}',
        '{"arxiv_id": "2611.00003", "title": "T", "published_at": "2026-11-01T00:00:00"}',
        '{"arxiv_id": "2611.00004", "title": "T", "feed_day": "20 Nov"}',
        '{"arxiv_id": "2611.00005", "title": "T", "authors": "Ada"}',
    ]
    results = list(parse_jsonl(lines))
    assert isinstance(results[0], PaperRecord)
    reasons = {f.key: f.reason for f in results if isinstance(f, Failure)}
    assert reasons["line 3"].startswith("not JSON")
    assert "unknown field(s) titel" in reasons["line 4 (2611.00002)"]
    assert "has no timezone" in reasons["line 5 (2611.00003)"]
    assert "not YYYY-MM-DD" in reasons["line 6 (2611.00004)"]
    assert "list of strings" in reasons["line 7 (2611.00005)"]


def test_gzip_files_are_read_transparently(tmp_path):
    import gzip

    plain, packed = tmp_path / "a.jsonl", tmp_path / "b.data"
    plain.write_text("one\ntwo\n")
    packed.write_bytes(gzip.compress(b"one\ntwo\n"))
    assert list(iter_file_lines(plain)) == list(iter_file_lines(packed)) == ["one\n", "two\n"]
    assert read_file_bytes(packed) == b"one\ntwo\n"


def _import(session_factory, lines) -> None:
    with session_scope(session_factory) as s:
        report = upsert_records(s, parse_jsonl(lines), source="jsonl", now=NOW)
    assert not report.failed


def _export(session_factory) -> str:
    with session_factory() as s:
        return "".join(export_lines(s, batch_size=2))


def test_export_import_export_is_byte_identical(session_factory, paper_factory, database_url):
    paper_factory(feed_day=date(2026, 11, 20), upvotes=3, submitted_by="bob")
    paper_factory(authors=(), categories=(), published_at=None)
    paper_factory(arxiv_id="hep-th/9901001v2", title="An old-style id")
    _import(session_factory, [record_to_json(full_record())])
    first = _export(session_factory)
    assert first.count("\n") == 4

    # empty the database (the CLI test imports into a brand-new one)
    with session_factory() as s:
        s.execute(Base.metadata.tables["paper_changes"].delete())
        s.execute(Base.metadata.tables["daily_entries"].delete())
        s.execute(Base.metadata.tables["papers"].delete())
        s.commit()
    assert _export(session_factory) == ""
    _import(session_factory, first.splitlines())
    assert _export(session_factory) == first


def test_fields_of_the_wrong_type_are_failures_never_crashes():
    lines = [
        '{"arxiv_id": "2611.00001", "title": 5}',
        '{"arxiv_id": "2611.00002", "title": "T", "version": "two"}',
        '{"arxiv_id": "2611.00003", "title": "T", "upvotes": "7"}',
        '{"arxiv_id": "2611.00004", "title": "T", "version": true}',
        '{"arxiv_id": 2611.00005, "title": "T"}',
        '"just a string"',
    ]
    results = list(parse_jsonl(lines))
    assert all(isinstance(r, Failure) for r in results), results
    reasons = [r.reason for r in results]
    assert reasons[:5] == [
        "title must be a string",
        "version must be an integer",
        "upvotes must be an integer",
        "version must be an integer",
        "arxiv_id must be a string",
    ]
    assert reasons[5] == "not a JSON object"
