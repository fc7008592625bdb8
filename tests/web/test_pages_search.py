"""The search page: /search?q= with category, author, from and to filters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


def test_search_finds_papers_of_any_date_shown_as_cards(client, paper_factory):
    paper_factory(
        arxiv_id="2108.04392",
        title="Rethinking Architecture Selection in Differentiable NAS",
        published_at=datetime(2021, 8, 9, tzinfo=UTC),
        feed_day=date(2021, 8, 10),
        upvotes=5,
    )
    paper_factory(title="Never on the feed: differentiable rendering")
    paper_factory(title="Something else entirely")
    r = client.get("/search", params={"q": "differentiable"})
    assert r.status_code == 200
    assert "2 results for <q>differentiable</q>" in r.text
    assert r.text.count('<article class="card"') == 2
    assert 'href="/papers/2108.04392"' in r.text
    assert ">Aug 9, 2021</time>" in r.text
    assert "Something else entirely" not in r.text
    assert 'value="differentiable"' in r.text  # the query stays in the box
    assert (
        '<link rel="alternate" type="application/json" href="/api/papers/search?q=differentiable">'
        in r.text
    )


def test_search_filters_come_from_the_query_string(client, paper_factory):
    paper_factory(
        title="Robot learning A",
        authors=("Ada Lovelace",),
        categories=("cs.RO",),
        published_at=datetime(2025, 1, 5, tzinfo=UTC),
    )
    paper_factory(
        title="Robot learning B",
        authors=("Alan Turing",),
        categories=("cs.LG",),
        published_at=datetime(2026, 6, 1, tzinfo=UTC),
    )

    def found(**params):
        html = client.get("/search", params={"q": "robot", **params}).text
        return {t for t in ("Robot learning A", "Robot learning B") if t in html}

    assert found() == {"Robot learning A", "Robot learning B"}
    assert found(category="cs.RO") == {"Robot learning A"}
    assert found(author="Alan Turing") == {"Robot learning B"}
    assert found(**{"from": "2026-01-01"}) == {"Robot learning B"}
    assert found(to="2025-12-31") == {"Robot learning A"}
    assert found(**{"from": "", "to": ""}) == {"Robot learning A", "Robot learning B"}
    html = client.get("/search", params={"q": "robot", "category": "cs.RO"}).text
    assert 'name="category" value="cs.RO"' in html


def test_author_links_on_the_paper_page_lead_to_their_papers(client, paper_factory):
    pid = paper_factory(title="By Grace", authors=("Grace Hopper",))
    paper_factory(title="Not by Grace", authors=("Alan Turing",))
    paper_html = client.get(f"/papers/{pid}").text
    href = paper_html.split('<section class="authors-list"')[1].split('href="')[1].split('"')[0]
    html = client.get(href.replace("&amp;", "&")).text
    assert "By Grace" in html and "Not by Grace" not in html


@pytest.mark.parametrize(
    "query", ["2611.00001", "2611.00001v3", "https://arxiv.org/abs/2611.00001"]
)
def test_an_arxiv_id_query_redirects_to_the_paper(client, paper_factory, query):
    paper_factory(arxiv_id="2611.00001")
    r = client.get("/search", params={"q": query}, follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"] == "/papers/2611.00001"


def test_empty_query_shows_the_form(client):
    r = client.get("/search")
    assert r.status_code == 200
    assert "Type words to search" in r.text
    assert '<input id="search-q" type="search" name="q" value=""' in r.text


def test_no_results_says_so(client, paper_factory):
    paper_factory(title="Alpha")
    r = client.get("/search", params={"q": "zyzzyva"})
    assert "0 results" in r.text and "No papers match" in r.text


def test_search_pages(app, client, paper_factory):
    app.state.settings = app.state.settings.model_copy(update={"page_size": 2})
    for n in range(5):
        paper_factory(title=f"Diffusion paper {n}")
    first = client.get("/search", params={"q": "diffusion"})
    assert first.text.count('<article class="card"') == 2
    assert "page 1 of 3" in first.text
    assert 'href="/search?q=diffusion&amp;p=2"' in first.text
    third = client.get("/search", params={"q": "diffusion", "p": 3})
    assert third.text.count('<article class="card"') == 1


@pytest.mark.parametrize(
    "params, needle",
    [({"from": "last week"}, "invalid from date"), ({"p": "0"}, "p must be a whole number")],
)
def test_bad_search_parameters_are_a_400_page(client, params, needle):
    r = client.get("/search", params={"q": "x", **params})
    assert r.status_code == 400
    assert needle in r.text


def test_search_query_is_shown_as_text(client, paper_factory):
    paper_factory(title="Script kiddies")
    payload = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    r = client.get("/search", params={"q": payload, "author": payload, "category": "<b>x</b>"})
    assert r.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in r.text
    assert "<img src=x" not in r.text
    assert "<b>x</b>" not in r.text
    assert "&lt;script&gt;" in r.text
