"""Text is shown as text: markup in any field is escaped, links only go to http(s)."""

from __future__ import annotations

from datetime import date

import pytest

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_projektor_in_abstract_is_shown_as_characters(client, paper_factory):
    abstract = "This paper proposes a framework called <projektor>, which predicts."
    paper_factory(arxiv_id="2611.00001", abstract=abstract, feed_day=date(2026, 11, 20))
    for path in ("/", "/papers/2611.00001"):
        html = client.get(path).text
        assert "called &lt;projektor&gt;, which" in html
        assert "<projektor>" not in html


def test_latex_title_stays_readable(client, paper_factory):
    paper_factory(
        arxiv_id="2611.00002",
        title="AstroM$^3$: A self-supervised multimodal model for astronomy",
        feed_day=date(2026, 11, 20),
    )
    # typeset as MathML since issue 13 (docs/text-and-math.md), plain text in <title>
    superscript = '<math display="inline" alttext="^3"><mrow><msup><mi></mi><mn>3</mn></msup>'
    assert f"AstroM{superscript}" in client.get("/").text
    page = client.get("/papers/2611.00002").text
    assert f"AstroM{superscript}" in page
    assert "<title>AstroM³: A self-supervised" in page


def test_markup_in_every_field_is_inert(client, paper_factory):
    paper_factory(
        arxiv_id="2611.00003",
        title=f"Title {XSS}",
        abstract=f"Abstract {XSS} " + "long " * 100,
        authors=(f"Mallory {XSS}", "Eve"),
        categories=("cs.LG",),
        comments=f"Comments {XSS}",
        journal_ref=f"Journal {XSS}",
        submitted_by="<b>bold</b>",
        feed_day=date(2026, 11, 20),
    )
    for path in ("/", "/papers/2611.00003", "/papers?week=2026-W47"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>"]
)
def test_links_only_go_to_http_urls(client, paper_factory, url):
    paper_factory(
        arxiv_id="2611.00004",
        github_repo=url,
        project_page=url,
        feed_day=date(2026, 11, 20),
    )
    for path in ("/", "/papers/2611.00004"):
        html = client.get(path).text.lower()
        assert 'href="javascript:' not in html and 'href="data:' not in html
        assert "project page" not in html


def test_error_messages_echoing_input_are_escaped(client):
    r = client.get("/papers", params={"date": XSS})
    assert r.status_code == 400
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;" in r.text
