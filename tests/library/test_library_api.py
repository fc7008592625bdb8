"""The library's JSON API on both databases: Bearer tokens and cookies with CSRF, the
caller's own collections only (another member's is 404 whether private or public; a private
share URL is 404 for all but the owner, a public one shows no notes), notes and tags
returned as the text they are, saves that are idempotent, rate-limited writes, and an
OpenAPI description on every endpoint."""

from __future__ import annotations

import pytest
from library_helpers import items_of, log_in, make_account, new_token, page_token


@pytest.fixture
def ada(session_factory):
    account = make_account(session_factory, "ada")
    return account, {"Authorization": f"Bearer {new_token(session_factory, account)}"}


@pytest.fixture
def bob(session_factory):
    account = make_account(session_factory, "bob")
    return account, {"Authorization": f"Bearer {new_token(session_factory, account)}"}


def test_collections_crud_with_a_bearer_token(client, ada, paper_factory):
    _, auth = ada
    paper = paper_factory()
    made = client.post("/api/collections", json={"name": "Reading", "public": False}, headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["shareUrl"] == f"http://testserver/collections/{body['shareKey']}"
    cid = body["id"]
    assert (
        client.post("/api/collections", json={"name": "READING"}, headers=auth).status_code == 409
    )
    listed = client.get("/api/collections", headers=auth).json()
    assert [(c["name"], c["isDefault"]) for c in listed] == [("Saved", True), ("Reading", False)]
    put = client.put(f"/api/collections/{cid}/items/{paper}", json={"tags": ["a"]}, headers=auth)
    assert put.status_code == 200 and put.json()["tags"] == ["a"]
    renamed = client.patch(f"/api/collections/{cid}", json={"name": "Later"}, headers=auth)
    assert (renamed.json()["name"], renamed.json()["items"]) == ("Later", 1)
    page = client.get(f"/api/collections/{cid}/items", headers=auth).json()
    assert [i["paper"]["id"] for i in page["items"]] == [paper] and page["total"] == 1
    assert client.delete(f"/api/collections/{cid}", headers=auth).status_code == 204
    assert client.get(f"/api/collections/{cid}", headers=auth).status_code == 404
    default = listed[0]["id"]
    assert client.delete(f"/api/collections/{default}", headers=auth).status_code == 400


def test_notes_and_tags_come_back_as_the_text_sent(client, ada, paper_factory):
    _, auth = ada
    paper = paper_factory()
    saved = client.post(f"/api/papers/{paper}/save", headers=auth).json()["collectionId"]
    markup = '<script>alert("x")</script>'
    r = client.patch(
        f"/api/collections/{saved}/items/{paper}", json={"note": markup, "tags": [markup]},
        headers=auth,
    )  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert (r.json()["note"], r.json()["tags"]) == (markup, [markup])
    got = client.get(f"/api/collections/{saved}/items/{paper}", headers=auth).json()
    assert got["note"] == markup
    too_long = client.patch(
        f"/api/collections/{saved}/items/{paper}", json={"note": "x" * 10_001}, headers=auth
    )
    assert too_long.status_code == 400 and too_long.json()["ok"] is False


def test_another_members_collections_and_notes_are_404(client, ada, bob, paper_factory):
    (_, ada_auth), (_, bob_auth) = ada, bob
    paper = paper_factory()
    cid = client.post("/api/collections", json={"name": "Secret"}, headers=ada_auth).json()["id"]
    client.put(f"/api/collections/{cid}/items/{paper}", json={"note": "private"}, headers=ada_auth)
    for method, path, body in [
        ("GET", f"/api/collections/{cid}", None),
        ("PATCH", f"/api/collections/{cid}", {"name": "Mine"}),
        ("DELETE", f"/api/collections/{cid}", None),
        ("GET", f"/api/collections/{cid}/items", None),
        ("GET", f"/api/collections/{cid}/items/{paper}", None),
        ("PUT", f"/api/collections/{cid}/items/{paper}", {"note": "x"}),
        ("PATCH", f"/api/collections/{cid}/items/{paper}", {"note": "x"}),
        ("DELETE", f"/api/collections/{cid}/items/{paper}", None),
        ("POST", f"/api/papers/{paper}/save?collectionId={cid}", None),
        ("GET", "/api/collections/999999", None),
    ]:
        r = client.request(method, path, json=body, headers=bob_auth)
        assert r.status_code == 404, (method, path, r.status_code)
        assert "private" not in r.text and "Secret" not in r.text
    got = client.get(f"/api/collections/{cid}/items/{paper}", headers=ada_auth).json()
    assert got["note"] == "private"


def test_share_url_private_is_404_public_shows_papers_without_notes(
    client, ada, bob, paper_factory
):
    (_, ada_auth), (_, bob_auth) = ada, bob
    paper = paper_factory()
    made = client.post("/api/collections", json={"name": "Shared"}, headers=ada_auth).json()
    client.put(
        f"/api/collections/{made['id']}/items/{paper}", json={"note": "my thoughts", "tags": ["t"]},
        headers=ada_auth,
    )  # fmt: skip
    shared = f"/api/collections/shared/{made['shareKey']}"
    assert client.get(shared, headers=bob_auth).status_code == 404
    assert client.get(shared).status_code == 404
    assert client.get(shared, headers=ada_auth).status_code == 200
    assert client.get("/api/collections/shared/not-a-key").status_code == 404
    client.patch(f"/api/collections/{made['id']}", json={"public": True}, headers=ada_auth)
    r = client.get(shared)
    assert r.status_code == 200 and r.json()["owner"] == "ada"
    [item] = r.json()["page"]["items"]
    assert (item["paper"]["id"], item["tags"], item["note"]) == (paper, ["t"], None)
    assert "my thoughts" not in r.text


def test_save_and_unsave_are_idempotent(client, ada, paper_factory, session_factory):
    account, auth = ada
    paper = paper_factory()
    first = client.post(f"/api/papers/{paper}v1/save", headers=auth).json()
    assert (first["id"], first["saved"], first["changed"]) == (paper, True, True)
    again = client.post(f"/api/papers/{paper}/save", headers=auth).json()
    assert (again["saved"], again["changed"]) == (True, False)
    assert client.get(f"/api/papers/{paper}/saved", headers=auth).json()["collections"] == [
        first["collectionId"]
    ]
    assert items_of(session_factory, account.id) == [("Saved", paper)]
    gone = client.delete(f"/api/papers/{paper}/save", headers=auth).json()
    assert (gone["saved"], gone["changed"], gone["collections"]) == (False, True, [])
    assert client.delete(f"/api/papers/{paper}/save", headers=auth).json()["changed"] is False
    assert client.post("/api/papers/2611.99999/save", headers=auth).status_code == 404
    assert client.post("/api/papers/not-an-id/save", headers=auth).status_code in (400, 404)


def test_anonymous_callers_get_401(client, paper_factory):
    paper = paper_factory()
    for method, path in [
        ("GET", "/api/library"),
        ("GET", "/api/collections"),
        ("POST", "/api/collections"),
        ("POST", f"/api/papers/{paper}/save"),
        ("GET", f"/api/papers/{paper}/saved"),
    ]:
        assert client.request(method, path, json={"name": "x"}).status_code == 401, path


def test_cookie_writes_need_the_csrf_header(client, ada, paper_factory):
    paper = paper_factory()
    log_in(client, "ada")
    assert client.post(f"/api/papers/{paper}/save").status_code == 403
    token = page_token(client)
    r = client.post(f"/api/papers/{paper}/save", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["saved"] is True


def test_whole_library_lists_papers_once_and_searches_notes(client, ada, paper_factory):
    _, auth = ada
    a, b = paper_factory(title="Alpha"), paper_factory(title="Beta")
    cid = client.post("/api/collections", json={"name": "Other"}, headers=auth).json()["id"]
    client.post(f"/api/papers/{a}/save", headers=auth)
    client.put(f"/api/collections/{cid}/items/{a}", json={"note": "zebra"}, headers=auth)
    client.put(f"/api/collections/{cid}/items/{b}", headers=auth)
    page = client.get("/api/library", params={"sort": "title"}, headers=auth).json()
    assert [i["paper"]["id"] for i in page["items"]] == [a, b]
    assert [c["name"] for c in page["items"][0]["collections"]] == ["Saved", "Other"]
    found = client.get("/api/library", params={"q": "zebra"}, headers=auth).json()
    assert [i["paper"]["id"] for i in found["items"]] == [a]
    assert client.get("/api/library", params={"sort": "nope"}, headers=auth).status_code == 400


def test_every_library_endpoint_is_described_in_openapi(app):
    spec = app.openapi()["paths"]
    ours = [p for p in spec if p.startswith(("/api/library", "/api/collections")) or "/save" in p]
    assert len(ours) >= 8
    for path in ours:
        for method, op in spec[path].items():
            assert op.get("summary") and op.get("description"), (method, path)
            assert "library" in op["tags"]


class TestRateLimits:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"rate_limit_writes": "3/minute"})

    def test_library_writes_are_rate_limited(self, client, ada, paper_factory):
        _, auth = ada
        paper = paper_factory()
        codes = [
            client.post(f"/api/papers/{paper}/save", headers=auth).status_code for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        r = client.post("/api/collections", json={"name": "x"}, headers=auth)
        assert r.status_code == 429 and "Retry-After" in r.headers
