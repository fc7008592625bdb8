"""Every Hugging Face field of real daily-papers items is kept, on both databases; a bad field
is reported and dropped while its paper is still imported (docs/hf-fields.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from paperfeed.ingest.hf_daily import parse_lines, record_from_item
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service.papers import get_paper
from paperfeed.store.db import session_scope

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FIELDS = "hf_daily_papers_fields.jsonl"


@pytest.fixture
def items(data_file) -> list[dict]:
    return [json.loads(line) for line in data_file(FIELDS).decode().splitlines()]


def ingest(session_factory, lines):
    with session_scope(session_factory) as s:
        return upsert_records(s, parse_lines(lines), source="hf-file", now=NOW)


def test_real_items_keep_every_field_through_the_store(session_factory, data_file, items):
    lines = data_file(FIELDS).decode().splitlines()
    report = ingest(session_factory, lines)
    assert (report.added, report.failed, report.skipped_fields) == (4, [], [])
    with session_factory() as s:
        full = get_paper(s, "2606.01961")
        bare = get_paper(s, "2406.06523")
        old_media = get_paper(s, "2405.15738")
        no_avatar = get_paper(s, "2510.00537")
    given = items[0]["paper"]
    assert full.ai_summary == given["ai_summary"]
    assert full.ai_summary_model == "Qwen/Qwen2.5-Coder-32B-Instruct"
    assert full.ai_keywords == tuple(given["ai_keywords"])
    assert full.keywords_source == "huggingface"
    assert (full.github_repo, full.github_stars) == (given["githubRepo"], 32)
    assert full.project_page == "https://automedbench.github.io/"
    assert full.github_repo_added_by == "user"
    assert full.discussion_id == "6a1e69d3808ddbc3c7d43e83"
    assert full.thumbnail == items[0]["thumbnail"]
    assert full.media_urls == tuple(given["mediaUrls"])
    assert full.num_comments == 2
    org = full.organization
    assert (org.name, org.fullname, org.hf_id) == (
        "UCSC",
        "University of California, Santa Cruz",
        "641e3d47921e9c5d8481da5d",
    )
    assert org.avatar == given["organization"]["avatar"]
    user = full.submitted_by_user
    assert (user.username, user.fullname, user.hf_id, user.is_pro) == (
        "qth",
        "Tianhao Qi",
        "6371b9bb3d1bd47a4ec73ec5",
        False,
    )
    # HF's site path for avatars, made absolute on huggingface.co
    assert user.avatar_url == "https://huggingface.co/avatars/ed92874a85efcd9ea487a5b59959eb46.svg"
    # and what only the item's own submittedBy says (isHf, isMod) is merged in
    assert user.is_hf is items[0]["submittedBy"]["isHf"]
    assert bare.ai_summary is None and bare.organization is None and bare.ai_keywords == ()
    assert bare.submitted_by_user.username == items[1]["submittedBy"]["name"]
    assert old_media.media_urls == (items[2]["mediaUrl"],)
    assert (no_avatar.organization.name, no_avatar.organization.avatar) == ("nyuniversity", None)

    again = ingest(session_factory, lines)  # idempotent: nothing moves
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_a_later_hf_import_fills_in_an_entry_made_without_its_fields(session_factory, items):
    item = items[0]
    scraped = {
        "_arxiv_id": item["paper"]["id"],
        "title": item["paper"]["title"],
        "abstract": item["paper"]["summary"],
        "upvotes": 3,
        "_feed_date": "2026-06-03",
    }
    ingest(session_factory, [json.dumps(scraped)])
    report = ingest(session_factory, [json.dumps(item)])
    assert report.updated == 1
    with session_factory() as s:
        view = get_paper(s, item["paper"]["id"])
    assert view.submitted_by == "qth" and view.submitted_by_user.fullname == "Tianhao Qi"
    assert view.organization.name == "UCSC" and view.ai_summary


def test_an_organization_takes_the_latest_full_name_and_keeps_a_known_avatar(
    session_factory, items
):
    first, later = items[0], json.loads(json.dumps(items[0]))
    later["paper"]["id"] = "2606.01962"
    later["paper"]["organization"] = {"name": "UCSC", "fullname": "UC Santa Cruz"}
    later["organization"] = later["paper"]["organization"]
    ingest(session_factory, [json.dumps(first), json.dumps(later)])
    with session_factory() as s:
        a, b = get_paper(s, "2606.01961"), get_paper(s, "2606.01962")
    assert a.organization == b.organization
    assert b.organization.fullname == "UC Santa Cruz"
    assert b.organization.avatar == first["organization"]["avatar"]


HOSTILE = {"thumbnail": "javascript:alert(1)"}
HOSTILE_PAPER = {
    "mediaUrls": ["https://ok.example/a.png", "data:text/html,<script>alert(1)</script>"],
    "ai_keywords": "not a list",
    "organization": {"name": "<script>alert(1)</script>", "fullname": "Evil"},
    "discussionId": "x'; DROP TABLE papers; --",
    "githubRepo": "javascript:alert(1)",
    "submittedOnDailyBy": {"fullname": "No name at all"},
    "ai_summary": "<img src=x onerror=alert(1)> kept as text",
}


def test_bad_fields_are_reported_and_dropped_but_the_paper_is_imported(session_factory, items):
    item = json.loads(json.dumps(items[0]))
    item.update(HOSTILE)
    item.pop("organization")
    item["submittedBy"] = {"fullname": "No name either"}
    item["paper"].update(HOSTILE_PAPER)
    report = ingest(session_factory, [json.dumps(item)])
    assert report.added == 1 and report.failed == []
    skipped = sorted(f.reason.split(":")[0] for f in report.skipped_fields)
    assert skipped == [
        "ai_keywords",
        "discussion_id",
        "github_repo",
        "media_urls",
        "organization",
        "submitter",
        "thumbnail",
    ]
    assert "bad fields skipped" in report.summary()
    with session_factory() as s:
        view = get_paper(s, item["paper"]["id"])
    assert (view.thumbnail, view.organization, view.github_repo, view.discussion_id) == (
        (None,) * 4
    )
    assert view.media_urls == () and view.ai_keywords == ()
    assert view.ai_summary == HOSTILE_PAPER["ai_summary"]  # text: escaped where shown
    assert view.project_page == "https://automedbench.github.io/"  # the good fields stay


def test_record_reads_both_places_hf_puts_a_field():
    item = {
        "paper": {"id": "2611.00001", "title": "T", "summary": "S"},
        "mediaUrls": ["https://cdn.example/v.mp4"],
        "organization": {"name": "top-level-org"},
        "publishedAt": "2026-11-20T03:00:00.000Z",
    }
    record = record_from_item(item, date(2026, 11, 20))
    assert record.media_urls == ("https://cdn.example/v.mp4",)
    assert record.organization["name"] == "top-level-org"
    assert isinstance(PaperRecord.build(arxiv_id="2611.00002", title="T"), PaperRecord)
