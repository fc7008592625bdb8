"""The private Atom feed of /for-you: made from the page (shown once, absolute from
base_url), read by a real feed parser, revoked at once by a new URL or by turning it off,
never another member's list, markup kept as text, never in the shared response cache. On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient
from foryou_helpers import (
    DAY,
    FEED_ADDRESS,
    NOW,
    bearer,
    csrf_of,
    make_account,
    new_token,
    signed_in,
    stored_prefs,
)

from paperfeed.accounts.secrets import token_hash
from paperfeed.library.follows import follow_category
from paperfeed.store.db import session_scope

BASE = "http://papers.example.org"  # http: the test client sends no Secure cookies


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"base_url": BASE})


@pytest.fixture
def papers(paper_factory):
    posted = NOW - timedelta(hours=1)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    return {
        "speech": paper_factory(
            title="Speech <em>loud</em> & clear", categories=("cs.SD",), **common
        ),
        "vision": paper_factory(title="Vision", categories=("cs.CV",), upvotes=5, **common),
    }


def _make_url(client) -> str:
    token = csrf_of(client.get("/for-you").text)
    r = client.post("/for-you/feed-url", data={"csrf_token": token, "action": "new"})
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    return FEED_ADDRESS.search(r.text).group(1)


def _local(url: str) -> str:
    assert url.startswith(BASE + "/for-you/feed/pff_") and url.endswith(".atom")
    return url[len(BASE) :]


def test_the_feed_url_is_made_once_and_read_by_a_feed_reader(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as session:
        follow_category(session, ada.id, "cs.SD", now=NOW)
    signed_in(client, "ada")
    url = _make_url(client)
    prefs = stored_prefs(session_factory, ada.id)
    assert prefs.feed_token_hash == token_hash(url.rsplit("/", 1)[1].removesuffix(".atom"))
    assert url.rsplit("/", 1)[1] not in client.get("/for-you").text  # never shown again
    with TestClient(client.app) as reader:  # a feed reader: no cookie
        r = reader.get(_local(url))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    assert r.headers["cache-control"] == "private, no-cache"
    feed = feedparser.parse(r.content)
    assert feed.bozo == 0
    assert [e.link for e in feed.entries][0] == f"{BASE}/papers/{papers['speech']}"
    assert feed.entries[0].title == "Speech <em>loud</em> & clear"  # text, not markup
    assert "&lt;em&gt;loud" in r.text and "<em>loud" not in r.text
    assert feed.entries[0].summary.startswith("Because you follow cs.SD.")


def test_a_new_url_revokes_the_old_one_at_once(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    old = _local(_make_url(client))
    with TestClient(client.app) as reader:
        assert reader.get(old).status_code == 200
        assert reader.get(old).status_code == 200  # twice: a cache would answer the next
        new = _local(_make_url(client))
        assert new != old
        assert reader.get(old).status_code == 404
        assert reader.get(new).status_code == 200


def test_turning_the_feed_off_stops_it_at_once(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    url = _local(_make_url(client))
    assert 'value="off"' in client.get("/for-you").text
    token = csrf_of(client.get("/for-you").text)
    r = client.post(
        "/for-you/feed-url", data={"csrf_token": token, "action": "off"}, follow_redirects=False
    )
    assert r.status_code == 303
    with TestClient(client.app) as reader:
        assert reader.get(url).status_code == 404
    assert stored_prefs(session_factory, ada.id).feed_token_hash is None


def test_the_api_makes_and_revokes_the_url_too(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    headers = bearer(new_token(session_factory, ada))
    url = client.post("/api/for-you/feed-url", headers=headers).json()["url"]
    assert client.get("/api/prefs", headers=headers).json()["hasFeedUrl"] is True
    with TestClient(client.app) as reader:
        assert reader.get(_local(url)).status_code == 200
        assert client.delete("/api/for-you/feed-url", headers=headers).status_code == 204
        assert reader.get(_local(url)).status_code == 404


def test_another_members_feed_is_theirs_and_unknown_urls_are_404(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    bob = make_account(session_factory, "bob")
    with session_scope(session_factory) as session:
        follow_category(session, ada.id, "cs.SD", now=NOW)
        follow_category(session, bob.id, "cs.CV", now=NOW)
    bob_url = client.post(
        "/api/for-you/feed-url", headers=bearer(new_token(session_factory, bob))
    ).json()["url"]
    signed_in(client, "ada")  # ada's cookie changes nothing: the URL says whose list it is
    feed = feedparser.parse(client.get(_local(bob_url)).content)
    assert feed.entries[0].summary.startswith("Because you follow cs.CV.")
    assert all("cs.SD" not in e.summary for e in feed.entries)
    token = bob_url.rsplit("/", 1)[1].removesuffix(".atom")
    for guess in (
        "pff_" + "A" * 43,
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token_hash(token),  # the stored hash is no key
        "x" * 200,
        token.removeprefix("pff_"),
    ):
        r = client.get(f"/for-you/feed/{guess}.atom")
        assert r.status_code == 404, guess
        assert "cs.CV" not in r.text
        # A feed reader gets the JSON error of /feeds, not the site's HTML error page.
        assert r.json() == {"ok": False, "error": r.json()["error"], "status": 404}


def test_feed_url_writes_need_a_member_and_are_rate_limited(client, app, session_factory):
    with TestClient(client.app) as anonymous:
        assert anonymous.post("/api/for-you/feed-url").status_code == 401
    ada = make_account(session_factory, "ada")
    headers = bearer(new_token(session_factory, ada))
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "2/hour"})
    assert client.post("/api/for-you/feed-url", headers=headers).status_code == 200
    assert client.post("/api/for-you/feed-url", headers=headers).status_code == 200
    assert client.post("/api/for-you/feed-url", headers=headers).status_code == 429


def test_a_banned_members_feed_stops(client, session_factory, papers):
    from paperfeed.service.moderation import ban_user

    root = make_account(session_factory, "grace", role="admin")
    ada = make_account(session_factory, "ada")
    url = client.post(
        "/api/for-you/feed-url", headers=bearer(new_token(session_factory, ada))
    ).json()["url"]
    assert client.get(_local(url)).status_code == 200
    with session_scope(session_factory) as session:
        ban_user(session, root, "ada", reason="spam", now=NOW)
    assert client.get(_local(url)).status_code == 404
