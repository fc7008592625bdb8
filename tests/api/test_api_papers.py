"""GET /api/papers/{id} and GET /api/papers (cursor pages with a Link header)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest


def test_paper_detail_is_the_flat_hf_paper(client, paper_factory):
    paper_factory(
        arxiv_id="2611.00007",
        title="A paper",
        abstract="Its abstract.",
        authors=("Grace Hopper",),
        published_at=datetime(2026, 11, 19, 1, 2, 3, tzinfo=UTC),
        upvotes=4,
        feed_day=date(2026, 11, 20),
        submitted_at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
    )
    r = client.get("/api/papers/2611.00007")
    assert r.status_code == 200
    assert r.json() == {
        "id": "2611.00007",
        "authors": [{"name": "Grace Hopper", "hidden": False}],
        "publishedAt": "2026-11-19T01:02:03.000Z",
        "title": "A paper",
        "summary": "Its abstract.",
        "upvotes": 4,
        "submittedOnDailyAt": "2026-11-20T06:00:00.000Z",
    }


@pytest.mark.parametrize("asked", ["2611.00007v2", "arXiv:2611.00007"])
def test_paper_detail_accepts_versions_and_prefixes(client, paper_factory, asked):
    paper_factory(arxiv_id="2611.00007")
    assert client.get(f"/api/papers/{asked}").json()["id"] == "2611.00007"


def test_paper_detail_serves_old_style_ids_with_a_slash(client, paper_factory):
    paper_factory(arxiv_id="hep-th/9901001")
    r = client.get("/api/papers/hep-th/9901001")
    assert r.status_code == 200
    assert r.json()["id"] == "hep-th/9901001"


def test_paper_detail_of_an_unknown_paper_is_a_json_404(client):
    r = client.get("/api/papers/2611.99999")
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error": "No paper with arXiv id '2611.99999'", "status": 404}


def test_paper_detail_of_a_malformed_id_is_a_json_error(client):
    r = client.get("/api/papers/not-an-id")
    assert r.status_code in (400, 404)
    assert r.json()["ok"] is False


NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def test_list_papers_walks_every_page_by_the_link_header(client, paper_factory):
    ids = [paper_factory() for _ in range(5)]
    seen, url, pages = [], "/api/papers?limit=2", 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        seen += [p["id"] for p in r.json()]
        pages += 1
        link = r.headers.get("link")
        url = NEXT.match(link).group("url") if link else None
        if url:
            assert url.startswith("http://127.0.0.1:8000/api/papers?")  # base_url
            assert "limit=2" in url
    assert pages == 3
    assert seen == ids[::-1]  # newest first


def test_list_papers_has_no_link_on_the_last_page(client, paper_factory):
    paper_factory()
    r = client.get("/api/papers", params={"limit": 1})
    assert len(r.json()) == 1
    assert "link" not in r.headers


def test_list_papers_caps_limit(client, paper_factory, settings):
    for _ in range(3):
        paper_factory()
    client.app.state.settings = settings.model_copy(update={"api_max_limit": 2})
    r = client.get("/api/papers", params={"limit": 500})
    assert len(r.json()) == 2
    assert "limit=2" in r.headers["link"]


@pytest.mark.parametrize("cursor", ["abc", "-1", "9" * 40])
def test_list_papers_rejects_a_forged_cursor(client, cursor):
    r = client.get("/api/papers", params={"cursor": cursor})
    assert r.status_code == 400
    assert r.json()["error"].startswith("invalid cursor")


def test_openapi_documents_the_hf_routes_with_response_models(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/daily_papers", "/api/papers", "/api/papers/{paper_id}"):
        assert path in paths, sorted(paths)
    ok = paths["/api/daily_papers"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["items"]["$ref"].endswith("/DailyPaperOut")
    params = {p["name"] for p in paths["/api/daily_papers"]["get"]["parameters"]}
    assert {"p", "limit", "date", "week", "month", "sort", "submitter"} <= params
    assert "ErrorOut" in spec["components"]["schemas"]
    detail = paths["/api/papers/{paper_id}"]["get"]["responses"]
    assert detail["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
