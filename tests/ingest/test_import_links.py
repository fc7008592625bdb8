"""Links from import sources (issue 12 item 10): a paper's code repository and project page
are only kept, and only served, as http(s) URLs. Every source builds its records through
``PaperRecord.build``; the Hugging Face daily JSON and JSON Lines are the sources that carry
links (arXiv and page dumps carry none: a page dump card only updates a stored paper's
title and upvotes)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from paperfeed.cli import cli
from paperfeed.ingest.hf_daily import parse_json
from paperfeed.ingest.jsonl import export_lines, parse_jsonl
from paperfeed.ingest.records import PaperRecord
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

BAD = [
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    'https://example.org/"><script>alert(1)</script>',
    "https://example.org/<img src=x onerror=alert(1)>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https://",
    "https://exa mple.org/",
]
MARKERS = (
    "javascript:",
    "data:text",
    "<script>alert",
    "<img src=x",
    "vbscript",
    "evil.example",
    "exa mple",
)


def hf_item(arxiv_id: str, github: str | None, project: str | None) -> dict:
    return {
        "paper": {
            "id": arxiv_id,
            "title": f"Paper {arxiv_id}",
            "summary": "An abstract.",
            "upvotes": 3,
            "githubRepo": github,
            "projectPage": project,
            "submittedOnDailyAt": "2026-11-20T08:00:00.000Z",
        },
        "numComments": 0,
    }


def jsonl_line(arxiv_id: str, github: str | None, project: str | None) -> str:
    return json.dumps(
        {
            "arxiv_id": arxiv_id,
            "title": f"Paper {arxiv_id}",
            "github_repo": github,
            "project_page": project,
            "feed_day": "2026-11-20",
        }
    )


@pytest.mark.parametrize("url", BAD)
def test_each_source_drops_a_bad_link_and_keeps_the_paper(url):
    (from_hf,) = parse_json(json.dumps([hf_item("2611.00001", url, url)]).encode())
    (from_jsonl,) = parse_jsonl([jsonl_line("2611.00001", url, url)])
    built = PaperRecord.build(arxiv_id="2611.00001", title="T", github_repo=url, project_page=url)
    for record in (from_hf, from_jsonl, built):
        assert isinstance(record, PaperRecord), record
        assert record.github_repo is None and record.project_page is None


def test_good_links_are_kept_and_a_github_shorthand_becomes_its_url():
    (record,) = parse_json(
        json.dumps(
            [hf_item("2611.00001", " https://github.com/a/b ", "https://a.github.io/b?x=1#y")]
        ).encode()
    )
    assert record.github_repo == "https://github.com/a/b"
    assert record.project_page == "https://a.github.io/b?x=1#y"
    (short,) = parse_jsonl([jsonl_line("2611.00002", "owner/repo", "http://example.org")])
    assert short.github_repo == "https://github.com/owner/repo"
    assert short.project_page == "http://example.org"


def _served(client, arxiv_id: str) -> list[str]:
    """Every surface that shows or hands out a paper's links."""
    return [
        client.get(f"/api/papers/{arxiv_id}").text,
        client.get("/api/daily_papers", params={"date": "2026-11-20"}).text,
        client.get("/api/papers/search", params={"q": "Paper", "mode": "keyword"}).text,
        client.get(f"/papers/{arxiv_id}").text,
        client.get(f"/papers/{arxiv_id}.md").text,
        client.get("/papers", params={"date": "2026-11-20"}).text,
        client.get("/search", params={"q": "Paper", "mode": "keyword"}).text,
    ]


def _assert_clean(texts: list[str]) -> None:
    for n, text in enumerate(texts):
        low = text.lower()
        found = [m for m in MARKERS if m in low]
        assert not found, (n, found, low[max(0, low.find(found[0]) - 300) :][:600])


def test_bad_links_imported_by_the_cli_are_never_stored_nor_served(settings, client, tmp_path):
    hf = tmp_path / "daily.json"
    hf.write_text(json.dumps([hf_item(f"2611.0000{n}", url, url) for n, url in enumerate(BAD)]))
    lines = tmp_path / "papers.jsonl"
    lines.write_text("\n".join(jsonl_line(f"2611.0010{n}", u, u) for n, u in enumerate(BAD)))
    runner = CliRunner()
    for args in (["ingest", "hf-file", str(hf)], ["ingest", "jsonl", str(lines)]):
        result = runner.invoke(cli, args, obj=settings)
        assert result.exit_code == 0, result.output
        assert "0 failed" in result.output  # the papers are imported, their links are not
    sessions = client.app.state.sessions
    with sessions() as session:
        stored = session.execute(select(Paper.github_repo, Paper.project_page)).all()
    assert len(stored) == 2 * len(BAD)
    assert set(stored) == {(None, None)}
    _assert_clean([t for n in range(len(BAD)) for t in _served(client, f"2611.0000{n}")])


@pytest.mark.parametrize("url", BAD)
def test_bad_links_stored_before_the_check_are_not_served(
    client, paper_factory, session_factory, url
):
    """Rows imported before links were checked: the API, pages and the export filter them."""
    paper_factory(arxiv_id="2611.00001", title="Paper one", feed_day=date(2026, 11, 20))
    with session_scope(session_factory) as session:
        session.execute(update(Paper).values(github_repo=url, project_page=url))
    texts = _served(client, "2611.00001")
    _assert_clean(texts)
    api = client.get("/api/papers/2611.00001").json()
    assert "githubRepo" not in api and "projectPage" not in api
    with session_factory() as session:
        exported = "".join(export_lines(session))
    assert '"github_repo":null' in exported and '"project_page":null' in exported
