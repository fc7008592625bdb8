"""Hugging Face daily papers: API items, scraped cards, the live endpoint over HTTP."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import pytest
from fake_server import Reply

from paperfeed.ingest.hf_daily import days, fetch_day, parse_json, parse_lines, record_from_item
from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.records import Failure, PaperRecord


def test_api_response_maps_every_field(data_file):
    first, second, third = parse_json(data_file("hf_daily_papers_2025-03-17.json"))
    assert first.arxiv_id == "2503.10772"
    assert first.title == "FlowTok: Flowing Seamlessly Across Text and Image Tokens"
    assert first.authors == ("Ju He", "Qihang Yu", "Qihao Liu", "Liang-Chieh Chen")
    assert first.published_at == datetime(2025, 3, 13, 18, 6, 13, tzinfo=UTC)
    assert first.submitted_at == datetime(2025, 3, 17, 1, 16, 42, 853000, tzinfo=UTC)
    assert first.feed_day == date(2025, 3, 17)  # submittedOnDailyAt, not publishedAt
    assert first.submitted_by == "turkeyju"
    assert first.upvotes == 6
    assert first.github_repo == "https://github.com/bytedance/1d-tokenizer/"
    assert first.project_page == "https://tacju.github.io/projects/flowtok.html"
    assert isinstance(first.num_comments, int)
    assert all(isinstance(r, PaperRecord) for r in (second, third))


def test_the_day_asked_for_wins_over_timestamps(data_file):
    records = parse_json(data_file("hf_daily_papers_2025-03-17.json"), feed_day=date(2025, 3, 18))
    assert {r.feed_day for r in records} == {date(2025, 3, 18)}


def test_entry_time_is_the_fallback_for_the_feed_day_and_submitter():
    item = {
        "paper": {
            "id": "2405.15738",
            "title": "T",
            "summary": "S",
            "upvotes": 3,
            "githubStars": 12,
        },
        "publishedAt": "2024-05-27T03:50:58.348Z",
        "submittedBy": {"name": "akhaliq", "fullname": "AK"},
        "numComments": 2,
    }
    record = record_from_item(item)
    assert record.feed_day == date(2024, 5, 27)
    assert record.submitted_by == "akhaliq"
    assert (record.upvotes, record.num_comments, record.github_stars) == (3, 2, 12)


def test_scraped_cards_are_accepted(data_file):
    lines = data_file("hf_scraped_2024.jsonl").decode().splitlines()
    first, second = parse_lines(lines)
    assert first.arxiv_id == "2312.17653"
    assert first.feed_day == date(2024, 1, 1)
    assert first.upvotes == 30
    assert first.authors == ("Ming Yan", "Ruihao Li", "Hao Zhang", "Ji Yan")
    assert second.arxiv_id == "2312.17681"


def test_bad_lines_and_bad_items_are_failures_not_aborts():
    lines = [
        '{"paper": {"id": "2405.15738", "title": "Fine"}}',
        "{not json",
        '{"paper": {"id": "not-an-id", "title": "T"}}',
        '{"paper": {"id": "2405.15739", "title": ""}}',
        '{"something": "else"}',
    ]
    results = list(parse_lines(lines))
    assert isinstance(results[0], PaperRecord)
    failures = [r for r in results if isinstance(r, Failure)]
    assert [f.key for f in failures] == ["line 2", "not-an-id", "2405.15739", "line 5"]
    assert failures[0].reason.startswith("not JSON")
    assert failures[2].reason.endswith("missing title")


@pytest.mark.parametrize("body", [b'[{"paper": {', b"<html>", b'{"error": "x"}'])
def test_invalid_json_body_is_a_clear_error(body):
    with pytest.raises(BadResponse):
        parse_json(body)


def test_fetch_day_asks_for_the_date(fake_server, data_file, clock):
    fake_server.script(
        "/api/daily_papers", Reply(body=data_file("hf_daily_papers_2025-03-17.json"))
    )
    with Fetcher(delay=0, clock=clock, sleep=clock.sleep) as f:
        records = fetch_day(f, fake_server.url, date(2025, 3, 17))
    assert len(records) == 3
    assert fake_server.requests[0].params == {"date": "2025-03-17"}


def test_days_of_a_range():
    assert days(date(2026, 11, 19), date(2026, 11, 21)) == [
        date(2026, 11, 19),
        date(2026, 11, 20),
        date(2026, 11, 21),
    ]


def test_every_item_of_the_shared_api_dump_parses(shared_dir):
    path = shared_dir / "data" / "hf-daily-papers-api" / "papers.jsonl.gz"
    with gzip.open(path, "rt") as f:
        results = list(parse_lines(f))
    failures = [r for r in results if isinstance(r, Failure)]
    assert len(results) == 9877
    assert failures == []
    first = results[0]
    with gzip.open(path, "rt") as f:
        original = json.loads(f.readline())
    assert first.feed_day == date.fromisoformat(original["_feed_date"])
