"""GET /api/papers/search: HF's search route, plus paperfeed's filters, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["paper"]["id"] for item in response.json()]


def test_search_returns_daily_paper_items(client, paper_factory):
    pid = paper_factory(
        title="Sparse attention for long documents",
        feed_day=date(2026, 11, 20),
        submitted_by="ada",
        upvotes=5,
    )
    paper_factory(title="Something else entirely")
    r = client.get("/api/papers/search", params={"q": "sparse attention"})
    assert ids(r) == [pid]
    item = r.json()[0]
    assert item["title"] == "Sparse attention for long documents"
    assert item["paper"]["upvotes"] == 5
    assert item["submittedBy"]["user"] == "ada"
    assert r.headers["x-total-count"] == "1"


def test_search_finds_papers_that_never_were_on_the_feed(client, paper_factory):
    pid = paper_factory(title="An old classic about kernels")
    item = client.get("/api/papers/search", params={"q": "kernels"}).json()[0]
    assert item["paper"]["id"] == pid
    assert "publishedAt" not in item  # no feed entry: no daily publishedAt
    assert "publishedAt" in item["paper"]


def test_search_by_arxiv_id_returns_that_paper(client, paper_factory):
    pid = paper_factory(arxiv_id="2611.00321", title="Anything")
    assert ids(client.get("/api/papers/search", params={"q": "2611.00321v1"})) == [pid]


def test_search_with_an_empty_query_returns_nothing(client, paper_factory):
    paper_factory()
    assert ids(client.get("/api/papers/search")) == []


def test_search_limit_and_pages(client, paper_factory, settings):
    for n in range(5):
        paper_factory(title=f"Diffusion paper {n}")
    assert len(ids(client.get("/api/papers/search", params={"q": "diffusion", "limit": 2}))) == 2
    client.app.state.settings = settings.model_copy(update={"api_max_limit": 3})
    first = ids(client.get("/api/papers/search", params={"q": "diffusion", "limit": 50}))
    second = ids(client.get("/api/papers/search", params={"q": "diffusion", "limit": 50, "p": 1}))
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)


def test_search_filters_by_category_author_and_dates(client, paper_factory):
    def make(**kw):
        return paper_factory(title="Robot learning", **kw)

    cl = make(categories=("cs.CL",), published_at=datetime(2026, 1, 5, tzinfo=UTC))
    ro = make(
        categories=("cs.RO",),
        authors=("Grace Hopper",),
        published_at=datetime(2026, 6, 1, tzinfo=UTC),
    )

    def found(**params):
        return set(ids(client.get("/api/papers/search", params={"q": "robot", **params})))

    assert found() == {cl, ro}
    assert found(category="cs.RO") == {ro}
    assert found(author="hopper") == {ro}
    assert found(**{"from": "2026-03-01"}) == {ro}
    assert found(to="2026-03-01") == {cl}


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"from": "2026-02-31"}, "invalid from"),
        ({"to": "soon"}, "invalid to"),
        ({"from": "2026-05-01", "to": "2026-01-01"}, "swap them"),
        ({"limit": 0}, "limit"),
        ({"p": -1}, "p"),
    ],
)
def test_search_rejects_bad_parameters_with_400(client, params, needle):
    r = client.get("/api/papers/search", params={"q": "x", **params})
    assert r.status_code == 400
    assert r.json()["ok"] is False
    assert needle in r.json()["error"]
