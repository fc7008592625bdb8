"""``Link: <...>; rel="next"`` on the list endpoints beyond HF's (docs/api.md#paging), on both
databases: a member's for-you list, feedback, Following feed, library and collection items
(with Bearer tokens), a shared collection and an organization's papers. Each link is
absolute from ``base_url`` (never the Host), keeps the other parameters the route read,
leads page by page through every item once, and the last page has none."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from members import NOW, make_account, new_token

BASE = "https://papers.example.org"
PAPERS = 5


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "response_cache_seconds": 0,
            "base_url": BASE,
            "rate_limit_writes": "200/minute",
        }
    )


@pytest.fixture
def papers(paper_factory):
    org = {"name": "ExampleLab", "fullname": "Example Lab"}
    return [
        paper_factory(
            title=f"Graph networks {n}",
            categories=("cs.LG",),
            organization=org,
            published_at=NOW - timedelta(hours=n),
            submitted_at=NOW - timedelta(hours=n),
            feed_day=NOW.date(),
        )
        for n in range(PAPERS)
    ]


@pytest.fixture
def auth(session_factory):
    token = new_token(session_factory, make_account(session_factory))
    return {"Authorization": f"Bearer {token}"}


def walk(client, path: str, headers: dict | None = None, **params) -> tuple[list, list[str]]:
    """Every page from ``path`` on, following ``Link``: the bodies and the links followed.
    Each request claims another Host, which must never reach a link."""
    headers = {**(headers or {}), "Host": "attacker.example"}
    bodies, links = [], []
    url = path
    while True:
        r = client.get(url, params=params, headers=headers)
        assert r.status_code == 200, r.text
        bodies.append(r.json())
        link = r.headers.get("Link")
        if link is None:
            return bodies, links
        assert link.startswith(f"<{BASE}/") and link.endswith('>; rel="next"'), link
        links.append(link[1 : -len('>; rel="next"')])
        url, params = links[-1].removeprefix(BASE), None
        assert len(links) <= PAPERS, "the links never end"


def query_of(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def test_the_for_you_list_links_its_pages_with_the_asked_settings(client, papers, auth):
    bodies, links = walk(client, "/api/for-you", auth, limit=2, days=30, mix=0.25, hide_seen="true")
    assert query_of(links[0]) == {
        "days": "30", "mix": "0.25", "hide_seen": "true", "offset": "2", "limit": "2",
    }  # fmt: skip
    assert urlsplit(links[0]).path == "/api/for-you"
    ids = [i["paper"]["id"] for b in bodies for i in b["items"]]
    assert sorted(ids) == sorted(papers) and bodies[0]["total"] == PAPERS
    assert [len(b["items"]) for b in bodies] == [2, 2, 1]
    assert all((b["days"], b["mix"]) == (30, 0.25) for b in bodies)


def test_the_for_you_list_without_settings_names_only_the_page(client, papers, auth):
    _, links = walk(client, "/api/for-you", auth, limit=4)
    assert links == [f"{BASE}/api/for-you?offset=4&limit=4"]


def test_feedback_pages_keep_the_kind(client, papers, auth):
    for arxiv_id in papers[:3]:
        assert client.put(
            f"/api/feedback/{arxiv_id}", json={"kind": "more"}, headers=auth
        ).is_success
    client.put(f"/api/feedback/{papers[3]}", json={"kind": "not_interested"}, headers=auth)
    bodies, links = walk(client, "/api/feedback", auth, kind="more", limit=2)
    assert links == [f"{BASE}/api/feedback?kind=more&offset=2&limit=2"]
    assert sorted(i["id"] for b in bodies for i in b["items"]) == sorted(papers[:3])


def test_the_following_feed_pages_by_p_and_keeps_the_window(client, papers, auth):
    follow = {"kind": "category", "value": "cs.LG"}
    assert client.post("/api/follows", json=follow, headers=auth).status_code == 201
    bodies, links = walk(client, "/api/following", auth, days=3, limit=2)
    assert [query_of(link) for link in links] == [
        {"days": "3", "p": "1", "limit": "2"},
        {"days": "3", "p": "2", "limit": "2"},
    ]
    assert [i["paper"]["id"] for b in bodies for i in b["items"]] == papers  # newest first


def test_library_and_collection_items_link_their_pages(client, papers, auth):
    for arxiv_id in papers:
        assert client.post(f"/api/papers/{arxiv_id}/save", headers=auth).is_success
    bodies, links = walk(client, "/api/library", auth, q="graph", sort="title", limit=2)
    assert query_of(links[0]) == {"q": "graph", "sort": "title", "offset": "2", "limit": "2"}
    titles = [i["paper"]["title"] for b in bodies for i in b["items"]]
    assert titles == sorted(titles) and len(titles) == PAPERS
    saved = client.get("/api/collections", headers=auth).json()[0]["id"]
    path = f"/api/collections/{saved}/items"
    bodies, links = walk(client, path, auth, limit=3)
    assert links == [f"{BASE}{path}?sort=added&offset=3&limit=3"]
    assert sorted(i["paper"]["id"] for b in bodies for i in b["items"]) == sorted(papers)


def test_a_shared_collection_links_its_pages_for_anyone(client, papers, auth):
    made = client.post("/api/collections", json={"name": "Graphs", "public": True}, headers=auth)
    collection = made.json()
    for arxiv_id in papers:
        client.put(f"/api/collections/{collection['id']}/items/{arxiv_id}", headers=auth)
    path = f"/api/collections/shared/{collection['shareKey']}"
    bodies, links = walk(client, path, limit=2)  # anonymous
    assert len(links) == 2 and all(urlsplit(link).path == path for link in links)
    assert sorted(i["paper"]["id"] for b in bodies for i in b["page"]["items"]) == sorted(papers)


def test_an_organizations_papers_link_their_pages(client, papers):
    bodies, links = walk(client, "/api/organizations/ExampleLab/papers", limit=2)
    assert links == [
        f"{BASE}/api/organizations/ExampleLab/papers?p=1&limit=2",
        f"{BASE}/api/organizations/ExampleLab/papers?p=2&limit=2",
    ]
    assert sorted(d["paper"]["id"] for b in bodies for d in b) == sorted(papers)


def test_a_member_list_of_one_page_has_no_link(client, papers, auth):
    r = client.get("/api/for-you", params={"limit": PAPERS}, headers=auth)
    assert r.status_code == 200 and len(r.json()["items"]) == PAPERS
    assert "Link" not in r.headers
    assert "Link" not in client.get("/api/library", headers=auth).headers
