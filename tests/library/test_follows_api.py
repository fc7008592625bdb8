"""The JSON API of follows (/api/follows, /api/following): Bearer tokens, cookies with the
CSRF header, 404 for another member's follow, rate limits, and the OpenAPI descriptions."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from members import NOW, make_account, new_token, signed_in
from paperfeed.app import create_app
from paperfeed.http.deps import get_now


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_follow_list_read_and_unfollow_with_a_token(client, session_factory, paper_factory):
    paper_factory(title="Cats", authors=("Ada Lovelace",), categories=("cs.CL",))
    paper_factory(
        title="Dogs", authors=("Rex",), categories=("cs.CV",), published_at=NOW - timedelta(days=1)
    )
    ada = new_token(session_factory, make_account(session_factory))
    r = client.post(
        "/api/follows", json={"kind": "category", "value": "cs.cl"}, headers=bearer(ada)
    )
    assert r.status_code == 201
    made = r.json()
    assert made["kind"] == "category" and made["key"] == "cs.CL" and made["label"] == "cs.CL"
    assert made["url"] == "/search?category=cs.CL" and made["createdAt"]
    again = client.post(
        "/api/follows", json={"kind": "category", "value": "cs.CL"}, headers=bearer(ada)
    )
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    r = client.post(
        "/api/follows", json={"kind": "author", "value": "Ada  Lovelace"}, headers=bearer(ada)
    )
    assert r.status_code == 201 and r.json()["label"] == "Ada Lovelace"
    listed = client.get("/api/follows", headers=bearer(ada)).json()
    assert [f["label"] for f in listed["follows"]] == ["cs.CL", "Ada Lovelace"]
    assert listed["max"] == 200
    feed = client.get("/api/following", headers=bearer(ada)).json()
    assert feed["total"] == 1 and feed["follows"] == 2 and feed["days"] == 7
    assert feed["items"][0]["paper"]["title"] == "Cats"
    assert feed["items"][0]["because"] == ["cs.CL", "Ada Lovelace"]
    assert feed["lastDay"] == "2026-11-20" and feed["firstDay"] == "2026-11-14"
    assert client.get(f"/api/follows/{made['id']}", headers=bearer(ada)).json() == made
    assert client.delete(f"/api/follows/{made['id']}", headers=bearer(ada)).status_code == 204
    assert client.get(f"/api/follows/{made['id']}", headers=bearer(ada)).status_code == 404
    assert client.delete(f"/api/follows/{made['id']}", headers=bearer(ada)).status_code == 404


def test_another_members_follows_are_never_visible(client, session_factory):
    ada = new_token(session_factory, make_account(session_factory))
    bob = new_token(session_factory, make_account(session_factory, "bob"))
    mine = client.post(
        "/api/follows", json={"kind": "topic", "value": "secret plans"}, headers=bearer(ada)
    ).json()
    assert client.get("/api/follows", headers=bearer(bob)).json()["follows"] == []
    for method in ("get", "delete"):
        r = getattr(client, method)(f"/api/follows/{mine['id']}", headers=bearer(bob))
        assert r.status_code == 404 and r.json()["ok"] is False
    assert client.get("/api/following", headers=bearer(bob)).json()["follows"] == 0
    assert len(client.get("/api/follows", headers=bearer(ada)).json()["follows"]) == 1


def test_anonymous_callers_get_401(client):
    with TestClient(client.app) as anonymous:
        for method, path in (
            ("get", "/api/follows"),
            ("get", "/api/following"),
            ("delete", "/api/follows/1"),
        ):
            assert getattr(anonymous, method)(path).status_code == 401
        r = anonymous.post("/api/follows", json={"kind": "category", "value": "cs.CL"})
        assert r.status_code in (401, 403)


def test_cookie_callers_need_the_csrf_header(client, session_factory):
    make_account(session_factory)
    signed_in(client)
    body = {"kind": "category", "value": "cs.CL"}
    assert client.post("/api/follows", json=body).status_code == 403
    page = client.get("/follows").text
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    r = client.post("/api/follows", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    assert client.delete(f"/api/follows/{r.json()['id']}").status_code == 403
    assert (
        client.delete(f"/api/follows/{r.json()['id']}", headers={"X-CSRF-Token": token}).status_code
        == 204
    )


def test_bad_bodies_are_400(client, session_factory):
    ada = new_token(session_factory, make_account(session_factory))
    for body, status in (
        ({"kind": "category", "value": "not a category"}, 400),
        ({"kind": "topic", "value": "   "}, 400),
        ({"kind": "member", "value": "nobody"}, 404),
        ({"kind": "planet", "value": "Mars"}, 400),
        ({"kind": "topic", "value": "x", "mode": "telepathy"}, 400),
        ({"kind": "author", "value": "x" * 2000}, 400),
    ):
        r = client.post("/api/follows", json=body, headers=bearer(ada))
        assert r.status_code == status, (body, r.text)
    for query in ("days=0", "days=91", "limit=0", "limit=201", "p=-1"):
        assert client.get(f"/api/following?{query}", headers=bearer(ada)).status_code == 400


def test_follow_writes_are_rate_limited(settings, session_factory):
    app = create_app(settings.model_copy(update={"rate_limit_writes": "3/minute"}))
    app.dependency_overrides[get_now] = lambda: NOW
    ada = new_token(session_factory, make_account(session_factory))
    with TestClient(app) as api:
        codes = [
            api.post(
                "/api/follows", json={"kind": "category", "value": f"cs.{c}"}, headers=bearer(ada)
            ).status_code
            for c in ("CL", "LG", "CV", "AI")
        ]
        assert codes == [201, 201, 201, 429]
        r = api.delete("/api/follows/1", headers=bearer(ada))
        assert r.status_code == 429 and "retry-after" in r.headers
        assert len(api.get("/api/follows", headers=bearer(ada)).json()["follows"]) == 3


def test_every_follow_endpoint_is_described_in_openapi(client):
    spec = client.get("/openapi.json").json()
    paths = {
        ("/api/follows", "get"),
        ("/api/follows", "post"),
        ("/api/follows/{follow_id}", "get"),
        ("/api/follows/{follow_id}", "delete"),
        ("/api/following", "get"),
    }
    for path, method in paths:
        op = spec["paths"][path][method]
        assert op["summary"] and op["description"] and op["tags"] == ["follows"], (path, method)
    assert "/following" not in spec["paths"] and "/follows" not in spec["paths"]
