"""The for-you JSON API: /api/for-you, /api/prefs, /api/feedback and the feed URL, with Bearer
tokens (no CSRF) and cookies (X-CSRF-Token, what for_you.js sends); errors in the one JSON
shape; rate limits; and every endpoint described in OpenAPI. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from foryou_helpers import DAY, NOW, bearer, make_account, new_token, page_token, signed_in

from paperfeed.library.follows import follow_category
from paperfeed.store.db import session_scope

OURS = {
    ("get", "/api/for-you"),
    ("get", "/api/prefs"),
    ("patch", "/api/prefs"),
    ("get", "/api/feedback"),
    ("put", "/api/feedback/{paper_id}"),
    ("delete", "/api/feedback/{paper_id}"),
    ("post", "/api/for-you/feed-url"),
    ("delete", "/api/for-you/feed-url"),
}


@pytest.fixture
def papers(paper_factory):
    posted = NOW - timedelta(hours=3)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    return [
        paper_factory(title="Speech one", categories=("cs.SD",), **common),
        paper_factory(title="Vision two", categories=("cs.CV",), upvotes=9, **common),
    ]


@pytest.fixture
def ada(session_factory):
    account = make_account(session_factory, "ada")
    return account, new_token(session_factory, account)


def test_every_endpoint_needs_a_caller(client, papers):
    with TestClient(client.app) as anonymous:
        for method, path in OURS:
            r = anonymous.request(method.upper(), path.replace("{paper_id}", papers[0]))
            assert r.status_code == 401, (method, path)
            assert r.json() == {"ok": False, "error": r.json()["error"], "status": 401}


def test_the_list_with_a_bearer_token_ranks_and_says_why(client, session_factory, papers, ada):
    account, token = ada
    with session_scope(session_factory) as session:
        follow_category(session, account.id, "cs.SD", now=NOW)
    r = client.get("/api/for-you", params={"mix": 1}, headers=bearer(token))
    assert r.status_code == 200
    body = r.json()
    assert body["coldStart"] is False and body["days"] == 7 and body["mix"] == 1.0
    assert body["total"] == 2
    first = body["items"][0]
    assert first["paper"]["id"] == papers[0] and first["paper"]["title"] == "Speech one"
    assert first["reason"] == {
        "kind": "follow",
        "label": "cs.SD",
        "arxivId": None,
        "text": "Because you follow cs.SD",
    }
    assert 0 <= first["personal"] <= 1 and 0 <= first["community"] <= 1
    community = client.get("/api/for-you", params={"mix": 0}, headers=bearer(token)).json()
    assert community["items"][0]["paper"]["id"] == papers[1]


@pytest.mark.parametrize(
    "params", [{"days": 3}, {"mix": 2}, {"mix": "x"}, {"limit": 0}, {"limit": 101}]
)
def test_bad_list_parameters_are_400(client, ada, params):
    r = client.get("/api/for-you", params=params, headers=bearer(ada[1]))
    assert r.status_code == 400 and r.json()["status"] == 400


def test_prefs_are_read_and_changed_field_by_field(client, session_factory, ada):
    _account, token = ada
    r = client.get("/api/prefs", headers=bearer(token))
    assert r.json() == {
        "mix": 0.7,
        "days": 7,
        "hideSeen": False,
        "onboarded": False,
        "hasFeedUrl": False,
    }
    r = client.patch("/api/prefs", json={"mix": 0.2}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["mix"] == 0.2 and r.json()["days"] == 7
    r = client.patch("/api/prefs", json={"days": 30, "hideSeen": True}, headers=bearer(token))
    assert (r.json()["mix"], r.json()["days"], r.json()["hideSeen"]) == (0.2, 30, True)
    assert client.get("/api/for-you", headers=bearer(token)).json()["days"] == 30
    for bad in ({"mix": 1.5}, {"days": 2}, {"mix": "lots"}):
        assert client.patch("/api/prefs", json=bad, headers=bearer(token)).status_code == 400
    assert client.get("/api/prefs", headers=bearer(token)).json()["mix"] == 0.2


def test_cookie_callers_need_the_csrf_header(client, session_factory):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    assert client.patch("/api/prefs", json={"mix": 0.5}).status_code == 403
    token = page_token(client)
    r = client.patch("/api/prefs", json={"mix": 0.5}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["mix"] == 0.5


def test_feedback_is_set_replaced_listed_and_undone(client, papers, ada):
    _account, token = ada
    speech = papers[0]
    r = client.put(f"/api/feedback/{speech}", json={"kind": "more"}, headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"id": speech, "kind": "more"}
    r = client.put(
        f"/api/feedback/{speech}v2", json={"kind": "not_interested"}, headers=bearer(token)
    )
    assert r.json() == {"id": speech, "kind": "not_interested"}  # replaced; version ignored
    listed = client.get("/api/feedback", headers=bearer(token)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == speech
    assert listed["items"][0]["title"] == "Speech one"
    assert listed["items"][0]["kind"] == "not_interested"
    ids = [
        i["paper"]["id"] for i in client.get("/api/for-you", headers=bearer(token)).json()["items"]
    ]
    assert speech not in ids  # not interested: hidden
    r = client.delete(f"/api/feedback/{speech}", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"id": speech, "kind": None}
    assert client.delete(f"/api/feedback/{speech}", headers=bearer(token)).status_code == 200
    assert client.get("/api/feedback", headers=bearer(token)).json()["total"] == 0


def test_feedback_on_unknown_papers_or_kinds_is_refused(client, papers, ada):
    headers = bearer(ada[1])
    r = client.put("/api/feedback/2611.99999", json={"kind": "more"}, headers=headers)
    assert r.status_code == 404
    r = client.put(f"/api/feedback/{papers[0]}", json={"kind": "love"}, headers=headers)
    assert r.status_code == 400
    assert (
        client.put("/api/feedback/not-an-id", json={"kind": "more"}, headers=headers).status_code
        == 400
    )


def test_feedback_of_one_member_is_not_anothers(client, session_factory, papers, ada):
    bob = make_account(session_factory, "bob")
    bob_token = new_token(session_factory, bob)
    client.put(f"/api/feedback/{papers[0]}", json={"kind": "more"}, headers=bearer(ada[1]))
    assert client.get("/api/feedback", headers=bearer(bob_token)).json()["total"] == 0


def test_api_writes_are_rate_limited(client, app, papers, ada):
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "2/hour"})
    headers = bearer(ada[1])
    for kind in ("more", "not_interested"):
        r = client.put(f"/api/feedback/{papers[0]}", json={"kind": kind}, headers=headers)
        assert r.status_code == 200
    r = client.delete(f"/api/feedback/{papers[0]}", headers=headers)
    assert r.status_code == 429 and r.json()["status"] == 429 and r.headers["Retry-After"]


def test_every_endpoint_is_described_in_openapi(client):
    schema = client.get("/openapi.json").json()
    for method, path in OURS:
        operation = schema["paths"][path][method]
        assert operation["summary"], (method, path)
        assert operation.get("description"), (method, path)
        assert "for-you" in operation["tags"]
