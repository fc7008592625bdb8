"""The paper page: /papers/{arxiv_id}."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


@pytest.fixture
def full_paper(paper_factory):
    return paper_factory(
        arxiv_id="2406.12345v2",
        title="Attention Is Still All You Need",
        abstract="First paragraph of the abstract.\n\nSecond paragraph, after a blank line.",
        authors=("Ada Lovelace", "Alan Turing", "Grace Hopper"),
        categories=("cs.CL", "cs.LG"),
        comments="12 pages, 3 figures",
        journal_ref="J. Imaginary Res. 7 (2026) 1-12",
        doi="10.1234/jir.2026.7",
        published_at=datetime(2024, 6, 18, tzinfo=UTC),
        github_repo="https://github.com/example/attention",
        github_stars=950,
        project_page="https://example.org/attention",
        upvotes=42,
        feed_day=date(2026, 11, 19),
        submitted_by="akhaliq",
    )


def test_paper_page_shows_everything_known(client, full_paper):
    r = client.get("/papers/2406.12345")
    assert r.status_code == 200
    html = r.text
    assert '<h1 class="paper-title">Attention Is Still All You Need</h1>' in html
    assert (
        "<p>First paragraph of the abstract.</p><p>Second paragraph, after a blank line.</p>"
        in html
    )
    for name, query in [
        ("Ada Lovelace", "Ada+Lovelace"),
        ("Alan Turing", "Alan+Turing"),
        ("Grace Hopper", "Grace+Hopper"),
    ]:
        assert f'<a href="/search?q={query}&amp;author={query}">{name}</a>' in html
    assert 'href="/search?category=cs.CL">cs.CL</a>' in html
    assert 'href="/search?category=cs.LG">cs.LG</a>' in html
    assert 'href="https://arxiv.org/abs/2406.12345"' in html
    assert 'href="https://arxiv.org/pdf/2406.12345"' in html
    assert 'href="https://github.com/example/attention"' in html and "★ 950" in html
    assert 'href="https://example.org/attention"' in html
    assert "12 pages, 3 figures" in html
    assert "J. Imaginary Res. 7 (2026) 1-12" in html
    assert 'href="https://doi.org/10.1234/jir.2026.7"' in html
    assert "42 upvotes" in html
    assert 'Submitted by <span class="submitter">akhaliq</span>' in html
    assert 'Published on <time datetime="2024-06-18">June 18, 2024</time>' in html
    assert 'href="/papers?date=2026-11-19"' in html  # back to its day on the feed
    assert '<link rel="alternate" type="application/json" href="/api/papers/2406.12345">' in html


def test_paper_page_has_copyable_bibtex(client, full_paper):
    html = client.get("/papers/2406.12345").text
    pre = html.split('<pre id="bibtex"')[1].split("</pre>")[0]
    assert "@misc{lovelace2024attention," in pre
    assert "author = {Ada Lovelace and Alan Turing and Grace Hopper}" in pre
    assert "eprint = {2406.12345}" in pre
    assert 'data-copy-target="bibtex"' in html  # the JS copy button (hidden without JS)


def test_paper_page_leaves_out_unknown_fields(client, paper_factory):
    paper_factory(arxiv_id="2611.00077", title="Bare paper", authors=())
    html = client.get("/papers/2611.00077").text
    assert "Journal reference" not in html and "DOI" not in html
    assert "Project page" not in html and "GitHub" not in html
    # No authors known: nothing about authors (no "0 authors", no empty section).
    assert 'aria-label="Authors"' not in html and "author" not in html.split("<main")[-1].lower()


@pytest.mark.parametrize(
    "path",
    ["/papers/2406.12345v2", "/papers/2406.12345v1", "/papers/arXiv:2406.12345"],
)
def test_versioned_or_prefixed_id_redirects_to_canonical_url(client, full_paper, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == "/papers/2406.12345"


def test_old_style_ids_work(client, paper_factory):
    paper_factory(arxiv_id="hep-th/9901001v3", title="An old-style paper")
    r = client.get("/papers/hep-th/9901001v3", follow_redirects=False)
    assert r.headers["location"] == "/papers/hep-th/9901001"
    r = client.get("/papers/hep-th/9901001")
    assert r.status_code == 200 and "An old-style paper" in r.text


@pytest.mark.parametrize("path", ["/papers/2406.99999", "/papers/not-an-id", "/papers/1/2/3"])
def test_unknown_paper_is_a_404_page(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text
