"""Hugging Face's fields where a reader expects them: the AI summary (labelled, with its model)
and keywords (search links) on the paper page; GitHub stars, project page, organization and a
lazy thumbnail on cards; the organization's page. Markup shows as text; only http(s) URLs are
links or images, also for rows stored before ingest checked them. docs/hf-fields.md."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper

XSS = '<script>alert("x")</script>'
DAY = date(2026, 11, 20)
ORG = {"name": "ai-lab", "fullname": f"AI Lab {XSS}", "avatar": "https://cdn.example/a.png"}


def hf_paper(paper_factory, **fields):
    fields.setdefault("feed_day", DAY)
    return paper_factory(
        ai_summary=f"It does things {XSS}.",
        ai_summary_model="org/Summarizer-7B",
        ai_keywords=("diffusion models", f"kw {XSS}"),
        thumbnail="https://cdn.example/thumb.png",
        github_repo="https://github.com/ai-lab/thing",
        github_stars=1234,
        project_page="https://ai-lab.example/thing",
        organization=ORG,
        submitter={"user": "ak", "name": "ak", "fullname": "A. K."},
        submitted_by="ak",
        discussion_id="6a1e69d3808ddbc3c7d43e83",
        **fields,
    )


@pytest.mark.slow
def test_paper_page_and_cards_show_the_hf_fields_escaped(client, paper_factory):
    pid = hf_paper(paper_factory, arxiv_id="2611.00001")
    paper_factory(arxiv_id="2611.00002", feed_day=DAY)  # no HF fields: a plain card

    page = client.get(f"/papers/{pid}").text
    assert "AI summary" in page and "It does things &lt;script&gt;" in page
    assert '<span class="model">org/Summarizer-7B</span>' in page
    assert '<a class="tag" href="/search?q=diffusion+models">diffusion models</a>' in page
    assert "AI keywords from Hugging Face" in page
    assert "★ 1.2k" in page and 'href="https://ai-lab.example/thing"' in page
    assert 'href="/organizations/ai-lab"' in page and "A. K." in page
    assert 'href="https://huggingface.co/papers/2611.00001"' in page

    feed = client.get("/papers?date=2026-11-20").text
    assert feed.count('class="card"') == 2 and feed.count('class="card-thumb"') == 1
    assert 'src="https://cdn.example/thumb.png"' in feed and 'loading="lazy"' in feed
    assert 'class="project-page" href="https://ai-lab.example/thing"' in feed
    assert '<a class="organization" href="/organizations/ai-lab">AI Lab &lt;script&gt;' in feed
    for html in (page, feed):
        assert "<script>alert" not in html

    plain = client.get("/papers/2611.00002").text
    assert "AI summary" not in plain and "Keywords" not in plain


@pytest.mark.slow
def test_organization_page_lists_its_papers(client, paper_factory):
    ids = [hf_paper(paper_factory, arxiv_id=f"2611.0001{n}") for n in range(3)]
    paper_factory(arxiv_id="2611.00020", feed_day=DAY)
    html = client.get("/organizations/ai-lab").text
    assert html.count('class="card"') == 3 and all(f"/papers/{i}" in html for i in ids)
    assert "3 papers listed under this organization" in html
    assert '<img class="org-avatar" src="https://cdn.example/a.png"' in html
    assert "<script>alert" not in html
    missing = client.get("/organizations/nobody")
    assert missing.status_code == 404


def test_hostile_urls_stored_before_checks_are_never_links(client, paper_factory, session_factory):
    pid = hf_paper(paper_factory, arxiv_id="2611.00030")
    with session_scope(session_factory) as s:
        s.execute(
            update(Paper)
            .where(Paper.arxiv_id == pid)
            .values(
                thumbnail="javascript:alert(1)",
                media_urls=["javascript:alert(2)", "https://cdn.example/v.mp4"],
            )
        )
    for path in ("/papers?date=2026-11-20", f"/papers/{pid}"):
        html = client.get(path).text
        assert "javascript:" not in html
    assert 'href="https://cdn.example/v.mp4"' in client.get(f"/papers/{pid}").text
    body = client.get(f"/api/papers/{pid}").json()
    assert body["mediaUrls"] == ["https://cdn.example/v.mp4"]
    assert "thumbnail" not in client.get("/api/daily_papers?date=2026-11-20").json()[0]
