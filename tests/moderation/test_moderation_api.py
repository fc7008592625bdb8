"""The JSON API of authorship claims and moderation (api/moderation_routes.py): members claim,
admins decide and moderate, every action is logged; least privilege on every admin route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from members import NOW, csrf_of, signed_in
from paperfeed.store.models import AdminAction, Comment, Paper, User

ADMIN_ROUTES = [
    ("GET", "/api/admin/claims", None),
    ("POST", "/api/admin/claims/1", {"decision": "approve"}),
    ("POST", "/api/admin/papers/2611.00001/hide", None),
    ("POST", "/api/admin/papers/2611.00001/unhide", None),
    ("POST", "/api/admin/papers/2611.00001/feature", None),
    ("POST", "/api/admin/papers/2611.00001/unfeature", None),
    ("POST", "/api/admin/comments/1/hide", None),
    ("POST", "/api/admin/comments/1/unhide", None),
    ("POST", "/api/admin/users/eve/ban", None),
    ("POST", "/api/admin/users/eve/unban", None),
    ("GET", "/api/admin/log", None),
]


def test_the_admin_routes_listed_here_are_all_the_admin_api_routes(app):
    documented = app.openapi()["paths"]
    mine = [(m, p) for p, ops in documented.items() if p.startswith("/api/admin") for m in ops]
    assert len(mine) == len(ADMIN_ROUTES)


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_members_and_strangers_cannot_reach_admin_routes(
    client, papers, make_user, make_token, session_factory, method, path, body
):
    make_user("eve")
    member = make_token(make_user("mallory"))
    anonymous = client.request(method, path, json=body)
    assert anonymous.status_code == 401 and anonymous.json()["ok"] is False
    refused = client.request(method, path, json=body, headers=member)
    assert refused.status_code == 403 and refused.json()["status"] == 403
    with session_factory() as s:
        assert s.scalar(select(AdminAction.id)) is None  # nothing done, nothing logged
        assert s.scalar(select(Paper.hidden).where(Paper.arxiv_id == "2611.00001")) is False
        assert s.scalar(select(User.banned_at).where(User.username == "eve")) is None


def test_claim_then_an_admin_approves_it(client, papers, make_user, make_token):
    first, _ = papers
    grace = make_token(make_user("grace"))
    admin = make_token(make_user("boss", role="admin"))
    r = client.post(f"/api/papers/{first}/claims", json={"author": "grace  HOPPER"}, headers=grace)
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["author"] == "Grace Hopper" and claim["status"] == "pending"
    assert claim["user"] == "grace" and claim["paperId"] == first
    again = client.post(
        f"/api/papers/{first}/claims", json={"author": "Ada Lovelace"}, headers=grace
    )
    assert again.status_code == 409
    assert [c["id"] for c in client.get("/api/admin/claims", headers=admin).json()] == [claim["id"]]
    decided = client.post(
        f"/api/admin/claims/{claim['id']}",
        json={"decision": "approve", "reason": "checked her homepage"},
        headers=admin,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert client.get("/api/claims", headers=grace).json()[0]["status"] == "approved"
    assert client.get("/api/admin/claims", headers=admin).json() == []
    twice = client.post(
        f"/api/admin/claims/{claim['id']}", json={"decision": "reject"}, headers=admin
    )
    assert twice.status_code == 409
    (entry,) = client.get("/api/admin/log", headers=admin).json()
    assert entry["action"] == "approve claim" and entry["admin"] == "boss"
    assert entry["reason"] == "checked her homepage"
    assert "@grace" in client.get(f"/papers/{first}").text


def test_bad_claims_are_4xx_json(client, papers, make_user, make_token):
    first, _ = papers
    grace = make_token(make_user("grace"))
    admin = make_token(make_user("boss", role="admin"))
    for path, body, status in [
        (f"/api/papers/{first}/claims", {"author": "Somebody Else"}, 400),
        (f"/api/papers/{first}/claims", {}, 400),
        (f"/api/papers/{first}/claims", {"author": 7}, 400),
        (f"/api/papers/{first}/claims", {"author": "x" * 5000}, 400),
        ("/api/papers/2611.99999/claims", {"author": "Ada Lovelace"}, 404),
        ("/api/papers/not-an-id/claims", {"author": "Ada Lovelace"}, 400),
    ]:
        r = client.post(path, json=body, headers=grace)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["ok"] is False
    for claim_id, body, status in [
        ("999", {"decision": "approve"}, 404),
        ("1' OR 1=1 --", {"decision": "approve"}, 404),
        ("1", {"decision": "maybe"}, 400),
        ("1", {}, 400),
    ]:
        r = client.post(f"/api/admin/claims/{claim_id}", json=body, headers=admin)
        assert r.status_code == status, (claim_id, body, r.text)


def test_admin_moderation_actions_by_api_are_done_and_logged(
    client, papers, make_user, make_token, session_factory
):
    first, second = papers
    ada = make_user("ada")
    eve = make_user("eve")
    admin = make_token(make_user("boss", role="admin"))
    comment = client.post(
        f"/api/papers/{first}/comments", json={"body": "spam spam"}, headers=make_token(eve)
    ).json()["id"]

    def act(path: str, reason: str | None = None) -> dict:
        body = {"reason": reason} if reason else None
        r = client.post(f"/api/admin{path}", json=body, headers=admin)
        assert r.status_code == 200, (path, r.text)
        return r.json()

    assert act(f"/papers/{second}/hide", "off topic") == {
        "ok": True,
        "action": "hide paper",
        "target": second,
    }
    assert second not in [
        p["paper"]["id"]
        for p in client.get("/api/daily_papers?date=2026-11-20&sort=upvotes").json()
    ]
    act(f"/papers/{second}/unhide")
    act(f"/papers/{first}/feature")
    assert (
        client.get("/api/daily_papers?date=2026-11-20&sort=upvotes").json()[0]["paper"]["id"]
        == first
    )
    assert act(f"/comments/{comment}/hide")["target"] == str(comment)
    assert client.get(f"/api/papers/{first}/comments").json()["count"] == 0
    assert act("/users/eve/ban", "spam")["target"] == "eve"
    banned = client.get("/api/whoami-v2", headers=make_token(eve))
    assert banned.status_code == 403
    act("/users/eve/unban")
    actions = [e["action"] for e in client.get("/api/admin/log", headers=admin).json()]
    assert sorted(actions) == sorted(
        ["hide paper", "unhide paper", "feature paper", "hide comment", "ban user", "unban user"]
    )
    with session_factory() as s:
        assert s.scalar(select(Comment.hidden).where(Comment.id == comment)) is True
        assert s.scalar(select(User.banned_at).where(User.id == ada.id)) is None
    # Problems are 4xx JSON and change nothing.
    for path, status in [
        ("/papers/2611.99999/hide", 404),
        ("/papers/not-an-id/hide", 400),
        ("/comments/abc/hide", 404),
        ("/users/nobody/ban", 404),
        ("/users/boss/ban", 409),  # nobody bans themself
    ]:
        r = client.post(f"/api/admin{path}", headers=admin)
        assert r.status_code == status, (path, r.text)
        assert r.json()["ok"] is False
    long = client.post(f"/api/admin/papers/{first}/hide", json={"reason": "x" * 600}, headers=admin)
    assert long.status_code == 400
    assert len(client.get("/api/admin/log", headers=admin).json()) == 6


def test_admin_api_with_the_session_cookie_needs_the_csrf_header(client, papers, make_user):
    make_user("boss", role="admin")
    signed_in(client, "boss")
    assert client.post("/api/admin/papers/2611.00002/hide").status_code == 403
    token = csrf_of(client.get("/submit").text)
    r = client.post("/api/admin/papers/2611.00002/hide", headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    assert client.get("/api/admin/log").json()[0]["action"] == "hide paper"


def test_the_pinned_clock_is_the_log_time(client, papers, make_user, make_token):
    admin = make_token(make_user("boss", role="admin"))
    client.post("/api/admin/papers/2611.00002/hide", headers=admin)
    (entry,) = client.get("/api/admin/log", headers=admin).json()
    assert entry["createdAt"].startswith(NOW.date().isoformat())
