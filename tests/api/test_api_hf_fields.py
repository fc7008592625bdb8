"""Hugging Face's fields are served at HF's JSON paths, and ``huggingface_hub``'s real client
reads them: ``list_daily_papers`` (from the top level of a daily item, where ``PaperInfo``
looks) and ``paper_info`` (the paper's body). docs/hf-fields.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from live_server import serve
from paperfeed.ingest.hf_daily import parse_lines
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope

hf = pytest.importorskip("huggingface_hub")

DATA = Path(__file__).resolve().parents[1] / "data" / "hf_daily_papers_fields.jsonl"
NOW_ID = "2606.01961"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def items(session_factory) -> list[dict]:
    lines = DATA.read_text().splitlines()
    with session_scope(session_factory) as s:
        report = upsert_records(s, parse_lines(lines), source="hf-file", now=NOW)
    assert report.added == len(lines)
    return [json.loads(line) for line in lines]


@pytest.fixture
def live_url(app, items):
    with serve(app, timeout=90) as url:  # a loaded shared machine starts slowly
        yield url


@pytest.mark.slow
def test_hf_fields_at_hf_paths_read_by_the_real_client(live_url, items):
    given = items[0]
    paper = given["paper"]
    api = hf.HfApi(endpoint=live_url, token=False)

    (daily,) = api.list_daily_papers(date="2026-06-03")
    info = api.paper_info(NOW_ID)
    for read in (daily, info):
        assert read.ai_summary == paper["ai_summary"]
        assert read.ai_keywords == paper["ai_keywords"]
        assert read.github_repo == paper["githubRepo"] and read.github_stars == 32
        assert read.project_page == paper["projectPage"]
        assert (read.organization.name, read.organization.fullname) == (
            "UCSC",
            "University of California, Santa Cruz",
        )
        assert read.organization.avatar == paper["organization"]["avatar"]  # HF's key
    assert daily.comments == given["numComments"]
    assert daily.submitted_by.username == "qth"
    assert daily.submitted_by.fullname == "Tianhao Qi"
    assert daily.submitted_by.avatar_url.startswith("https://huggingface.co/avatars/")
    assert info.discussion_id == paper["discussionId"]
    assert daily.thumbnail == given["thumbnail"]  # forward-compatible attribute

    http = httpx.Client(base_url=live_url, timeout=60)
    body = http.get("/api/daily_papers", params={"date": "2026-06-03"}).json()[0]
    assert body["thumbnail"] == given["thumbnail"]
    assert body["mediaUrls"] == given["mediaUrls"]
    assert body["organization"]["_id"] == given["organization"]["_id"]
    assert body["submittedBy"]["_id"] == given["submittedBy"]["_id"]
    assert body["submittedBy"]["isHf"] is given["submittedBy"]["isHf"]
    inner = body["paper"]
    for key in ("ai_summary", "ai_summary_model", "ai_keywords", "discussionId", "mediaUrls"):
        assert inner[key] == paper[key], key
    assert inner["organization"]["name"] == "UCSC"
    assert inner["submittedOnDailyBy"]["user"] == "qth"
    assert inner["keywordsSource"] == "huggingface"

    bare = http.get("/api/papers/2406.06523").json()
    assert not {"ai_summary", "ai_keywords", "organization", "discussionId"} & set(bare)

    org = http.get("/api/organizations/UCSC/papers", params={"limit": 1})
    assert org.status_code == 200 and org.headers["X-Total-Count"] == "1"
    assert [p["paper"]["id"] for p in org.json()] == [NOW_ID]
    assert "Link" not in org.headers  # one page only
    missing = http.get("/api/organizations/nobody/papers")
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error": "No organization named 'nobody'.",
        "status": 404,
    }
