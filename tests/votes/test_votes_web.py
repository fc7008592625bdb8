"""Upvotes through the pages (a form, without JavaScript) and the JSON API (Bearer token or
cookie + X-CSRF-Token, what app.js sends), and the attacks on them (docs/security.md)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from votes_helpers import NOW, counts, csrf_of, hide, log_in, make_member, page_token

from live_server import serve
from paperfeed.app import create_app
from paperfeed.http.deps import get_now

DAY = date(2026, 11, 20)
BUTTON = re.compile(r'<button type="submit" class="votes[^"]*" aria-pressed="(true|false)"')


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_reader_is_asked_to_log_in(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY, upvotes=4)
    html = client.get("/").text
    assert f'href="/login?next=%2F%23paper-{paper}"' in html  # the vote box links to log in
    page = client.get(f"/papers/{paper}").text
    assert f'href="/login?next=%2Fpapers%2F{paper}"' in page
    token = csrf_of(client.get("/login").text)  # a pre-session cookie and its token
    r = client.post(
        f"/papers/{paper}/upvote",
        data={"csrf_token": token, "next": f"/papers/{paper}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=%2Fpapers%2F{paper}"
    with TestClient(client.app) as api:  # no cookie at all
        r = api.post(f"/api/papers/{paper}/upvote")
        assert r.status_code == 401 and r.json() == {
            "ok": False,
            "error": r.json()["error"],
            "status": 401,
        }
    assert counts(session_factory, paper) == (4, 4, 0)


def test_form_upvote_without_javascript_goes_back_and_shows_the_state(
    client, paper_factory, session_factory
):
    paper = paper_factory(feed_day=DAY, upvotes=4)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    feed = client.get("/papers?date=2026-11-20")
    assert BUTTON.search(feed.text).group(1) == "false"
    assert feed.headers["cache-control"] == "private, no-store"  # for this reader only (item 9)
    back = "/papers?date=2026-11-20#paper-" + paper
    assert f'name="next" value="{back}"' in feed.text
    r = client.post(
        f"/papers/{paper}/upvote",
        data={"csrf_token": csrf_of(feed.text), "action": "up", "next": back},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == back
    feed = client.get("/papers?date=2026-11-20").text
    assert BUTTON.search(feed).group(1) == "true"
    assert '<span class="count">5</span>' in feed
    assert 'name="action" value="down"' in feed
    page = client.get(f"/papers/{paper}").text
    assert BUTTON.search(page).group(1) == "true" and "votes-large" in page
    # Sent twice (a double click, a resubmitted form): still one vote.
    for _ in range(2):
        client.post(
            f"/papers/{paper}/upvote",
            data={"csrf_token": csrf_of(page), "action": "up"},
            follow_redirects=False,
        )
    assert counts(session_factory, paper) == (5, 4, 1)
    r = client.post(
        f"/papers/{paper}/upvote",
        data={"csrf_token": csrf_of(page), "action": "down"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/papers/{paper}"  # no next: the paper page
    assert counts(session_factory, paper) == (4, 4, 0)


def test_javascript_path_cookie_and_csrf_header(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY, upvotes=1)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    html = client.get("/").text
    assert f'data-api="/api/papers/{paper}/upvote"' in html
    headers = {"X-CSRF-Token": page_token(client, "/")}
    r = client.post(f"/api/papers/{paper}/upvote", headers=headers)
    assert r.status_code == 200 and r.json() == {"id": paper, "upvotes": 2, "upvoted": True}
    r = client.delete(f"/api/papers/{paper}/upvote", headers=headers)
    assert r.json() == {"id": paper, "upvotes": 1, "upvoted": False}


def test_bearer_client_votes_twice_and_it_counts_once(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY, upvotes=7)
    _, token = make_member(session_factory, "bot", token=True)
    with TestClient(client.app) as api:
        answers = [api.post(f"/api/papers/{paper}/upvote", headers=_bearer(token)) for _ in "ab"]
        assert [r.json()["upvotes"] for r in answers] == [8, 8]
        assert api.delete(f"/api/papers/{paper}/upvote", headers=_bearer(token)).json() == {
            "id": paper,
            "upvotes": 7,
            "upvoted": False,
        }
        assert (
            api.delete(f"/api/papers/{paper}/upvote", headers=_bearer(token)).json()["upvotes"] == 7
        )
    assert counts(session_factory, paper) == (7, 7, 0)


def test_csrf_is_required_on_the_form_and_the_cookie_api(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    good = page_token(client, "/")
    for token in (None, "", "forged", good[:-2] + "xx"):
        data = {} if token is None else {"csrf_token": token}
        r = client.post(f"/papers/{paper}/upvote", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        headers = {} if token is None else {"X-CSRF-Token": token}
        for method in ("POST", "DELETE"):
            r = client.request(method, f"/api/papers/{paper}/upvote", headers=headers)
            assert r.status_code == 403 and r.json()["status"] == 403
    assert counts(session_factory, paper) == (0, 0, 0)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_the_form_never_redirects_off_site(client, paper_factory, session_factory, target):
    paper = paper_factory(feed_day=DAY)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    r = client.post(
        f"/papers/{paper}/upvote",
        data={"csrf_token": page_token(client, "/"), "next": target},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_hidden_unknown_and_bad_ids(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY)
    hide(session_factory, paper)
    _, token = make_member(session_factory, "bot", token=True)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    with TestClient(client.app) as api:
        for paper_id, status in [
            (paper, 404),
            ("2611.99999", 404),
            ("not-an-id", 400),
            ("2611.00001%3Cscript%3E", 400),
            ("1' OR '1'='1", 400),
        ]:
            r = api.post(f"/api/papers/{paper_id}/upvote", headers=_bearer(token))
            assert r.status_code == status, (paper_id, r.text)
            assert r.json()["ok"] is False and r.json()["status"] == status
    r = client.post(
        f"/papers/{paper}/upvote",
        data={"csrf_token": page_token(client, "/")},
        follow_redirects=False,
    )
    assert r.status_code == 404 and "<html" in r.text
    r = client.post(
        "/papers/2611.99999/upvote",
        data={"csrf_token": page_token(client, "/"), "action": "sideways"},
        follow_redirects=False,
    )
    assert r.status_code == 400
    assert counts(session_factory, paper) == (0, 0, 0)


def test_votes_are_rate_limited(settings, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY)
    _, token = make_member(session_factory, "bot", token=True)
    app = create_app(settings.model_copy(update={"rate_limit_writes": "3/minute"}))
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as api:
        statuses = [
            api.post(f"/api/papers/{paper}/upvote", headers=_bearer(token)).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        r = api.delete(f"/api/papers/{paper}/upvote", headers=_bearer(token))
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert r.json()["status"] == 429
    assert counts(session_factory, paper) == (1, 0, 1)


def test_a_vote_refreshes_cached_anonymous_pages(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY, upvotes=4)
    _, token = make_member(session_factory, "bot", token=True)
    with TestClient(client.app) as reader:  # anonymous: served from the response cache
        for path in (f"/papers/{paper}", "/", f"/api/papers/{paper}"):
            assert reader.get(path).status_code == 200
        client.post(f"/api/papers/{paper}/upvote", headers=_bearer(token))
        assert '<span class="count">5</span>' in reader.get(f"/papers/{paper}").text
        assert '<span class="count">5</span>' in reader.get("/").text
        assert reader.get(f"/api/papers/{paper}").json()["upvotes"] == 5


def test_deleting_the_account_takes_its_votes_back(client, paper_factory, session_factory):
    paper = paper_factory(feed_day=DAY, upvotes=2)
    make_member(session_factory, "ada")
    log_in(client, "ada")
    client.post(f"/api/papers/{paper}/upvote", headers={"X-CSRF-Token": page_token(client, "/")})
    assert counts(session_factory, paper) == (3, 2, 1)
    r = client.post(
        "/account/delete",
        data={
            "csrf_token": csrf_of(client.get("/account").text),
            "password": "correct horse battery",
        },
    )
    assert r.status_code == 200
    assert counts(session_factory, paper) == (2, 2, 0)


@pytest.mark.slow
def test_concurrent_http_votes_through_a_real_server_count_exactly_once(
    settings, paper_factory, session_factory
):
    """Twelve API clients, each firing four upvotes at once over real HTTP, then half of
    them taking the vote back twice at once: the count moves by exactly one per member."""
    paper = paper_factory(feed_day=DAY, upvotes=50)
    tokens = [make_member(session_factory, f"m{i:02d}", token=True)[1] for i in range(12)]
    app = create_app(
        settings.model_copy(
            update={"rate_limit_writes": "1000/minute", "response_cache_seconds": 0}
        )
    )
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:

        def send(job):
            method, token = job
            r = http.request(method, f"/api/papers/{paper}/upvote", headers=_bearer(token))
            return r.status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(send, [("POST", t) for t in tokens for _ in range(4)]))
            assert statuses == [200] * 48
            assert counts(session_factory, paper) == (62, 50, 12)
            jobs = [("DELETE", t) for t in tokens[:6] for _ in range(2)]
            jobs += [("POST", t) for t in tokens[6:] for _ in range(2)]
            assert list(pool.map(send, jobs)) == [200] * 24
        assert http.get(f"/api/papers/{paper}").json()["upvotes"] == 56
    assert counts(session_factory, paper) == (56, 50, 6)
