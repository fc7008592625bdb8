"""Moderation: hide and unhide papers and comments, ban and unban members, feature a paper on
its day, and the log of every action; bad input and attacks."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from moderation_helpers import NOW, PASSWORD, csrf_of, log_in, post, token_of
from sqlalchemy import func, select

from paperfeed.accounts import users
from paperfeed.errors import Conflict, Forbidden
from paperfeed.service import moderation
from paperfeed.store.db import session_scope
from paperfeed.store.models import AdminAction, Comment, Paper, User, UserSession


def _log(session_factory) -> list[tuple[str, str, str, str | None]]:
    with session_factory() as s:
        rows = s.execute(
            select(
                AdminAction.admin_name, AdminAction.action, AdminAction.target, AdminAction.reason
            ).order_by(AdminAction.id)
        )
        return [tuple(r) for r in rows]


def _hidden(session_factory, arxiv_id: str) -> bool:
    with session_factory() as s:
        return s.scalar(select(Paper.hidden).where(Paper.arxiv_id == arxiv_id))


@pytest.fixture
def admin_client(client, make_user):
    make_user("chief", role="admin")
    log_in(client, "chief")
    return client


def test_hidden_paper_leaves_feed_search_page_api_and_comes_back(
    admin_client, papers, session_factory
):
    client = admin_client
    first, second = papers
    r = post(client, "/admin/papers/hide", {"target": first + "v2", "reason": "spam"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/log"
    assert _hidden(session_factory, first)
    assert first in client.get("/admin/moderation").text  # listed for unhiding
    with TestClient(client.app) as reader:
        assert first not in reader.get("/").text and second in reader.get("/").text
        assert reader.get(f"/papers/{first}").status_code == 404
        assert reader.get(f"/api/papers/{first}").status_code == 404
        found = reader.get("/search", params={"q": "Sparse attention"}).text
        assert "Sparse attention at scale" not in found
        api = reader.get("/api/daily_papers", params={"date": NOW.date().isoformat()}).json()
        assert [p["paper"]["id"] for p in api] == [second]
    assert post(client, "/admin/papers/unhide", {"target": first}).status_code == 303
    assert not _hidden(session_factory, first)
    with TestClient(client.app) as reader:
        assert "Sparse attention at scale" in reader.get("/").text
        assert reader.get(f"/papers/{first}").status_code == 200
    assert _log(session_factory) == [
        ("chief", "hide paper", first, "spam"),
        ("chief", "unhide paper", first, None),
    ]
    log = client.get("/admin/log").text
    assert "hide paper" in log and "spam" in log and "chief" in log


def test_hiding_a_comment_through_the_admin_form(admin_client, make_user, papers, session_factory):
    client = admin_client
    member = make_user("ada")
    from paperfeed.service import comments

    with session_scope(session_factory) as s:
        view = comments.add_comment(s, papers[0], member, "Buy cheap pills", now=NOW)
    assert post(client, "/admin/comments/hide", {"target": str(view.id)}).status_code == 303
    with TestClient(client.app) as reader:
        assert "Buy cheap pills" not in reader.get(f"/papers/{papers[0]}").text
    assert post(client, "/admin/comments/unhide", {"target": str(view.id)}).status_code == 303
    with TestClient(client.app) as reader:
        assert "Buy cheap pills" in reader.get(f"/papers/{papers[0]}").text
    assert [a for _, a, _, _ in _log(session_factory)] == ["hide comment", "unhide comment"]


def test_ban_ends_sessions_refuses_log_in_writes_and_tokens_then_unban(
    admin_client, make_user, make_token, papers, session_factory
):
    client = admin_client
    eve = make_user("eve")
    bearer = make_token(eve)
    with TestClient(client.app) as eve_browser:
        log_in(eve_browser, "eve")
        eve_token = token_of(eve_browser)
        r = post(client, "/admin/users/ban", {"target": "EVE", "reason": "spam <b>links</b>"})
        assert r.status_code == 303
        with session_factory() as s:
            assert s.scalar(select(func.count()).where(UserSession.user_id == eve.id)) == 0
        # the old browser is anonymous now: writes go to log in
        r = eve_browser.post(
            f"/papers/{papers[0]}/upvote",
            data={"action": "up", "csrf_token": eve_token},
            follow_redirects=False,
        )
        assert r.status_code in (303, 403)
        # log-in refused with a clear message (only with the right password)
        eve_browser.cookies.clear()
        token = csrf_of(eve_browser.get("/login").text)
        r = eve_browser.post(
            "/login", data={"login": "eve", "password": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 403 and "banned" in r.text
        wrong = eve_browser.post(
            "/login", data={"login": "eve", "password": "wrong password!", "csrf_token": token}
        )
        assert wrong.status_code == 400 and "banned" not in wrong.text
    with TestClient(client.app) as bot:
        for method, url, body in [
            ("POST", f"/api/papers/{papers[0]}/upvote", None),
            ("POST", f"/api/papers/{papers[0]}/comments", {"body": "hi"}),
            ("POST", "/api/papers/submit", {"arxivId": "2611.00003"}),
            ("GET", "/api/whoami-v2", None),
        ]:
            r = bot.request(method, url, json=body, headers=bearer)
            assert r.status_code == 403, url
            assert "banned" in r.json()["error"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        assert s.scalar(select(Paper.upvotes).where(Paper.arxiv_id == papers[0])) == 5
    users_page = client.get("/admin").text
    assert "spam &lt;b&gt;links&lt;/b&gt;" in users_page and "<b>links</b>" not in users_page
    assert "spam &lt;b&gt;links&lt;/b&gt;" in client.get("/admin/log").text

    assert post(client, "/admin/users/unban", {"target": "eve"}).status_code == 303
    with TestClient(client.app) as eve_browser:
        log_in(eve_browser, "eve")
    with TestClient(client.app) as bot:
        assert bot.get("/api/whoami-v2", headers=bearer).status_code == 200
    assert [a for _, a, _, _ in _log(session_factory)] == ["ban user", "unban user"]


def test_admins_cannot_be_banned_nor_ban_themselves(admin_client, make_user, session_factory):
    make_user("other", role="admin")
    assert post(admin_client, "/admin/users/ban", {"target": "chief"}).status_code == 409
    assert post(admin_client, "/admin/users/ban", {"target": "other"}).status_code == 409
    assert _log(session_factory) == []


def test_featured_paper_comes_first_and_is_marked(admin_client, papers, session_factory):
    client = admin_client
    first, second = papers
    with TestClient(client.app) as reader:
        feed = reader.get("/").text
        assert feed.index(first) < feed.index(second) and "Featured" not in feed
    r = post(client, "/admin/papers/feature", {"target": second, "reason": "editor's pick"})
    assert r.status_code == 303
    with TestClient(client.app) as reader:
        feed = reader.get("/").text
        assert feed.index(second) < feed.index(first)
        assert 'class="featured"' in feed
    assert _log(session_factory)[-1] == (
        "chief",
        "feature paper",
        f"{second} on {NOW.date().isoformat()}",
        "editor's pick",
    )
    assert post(client, "/admin/papers/unfeature", {"target": second}).status_code == 303
    with TestClient(client.app) as reader:
        feed = reader.get("/").text
        assert feed.index(first) < feed.index(second)


@pytest.mark.parametrize(
    "action, target, status",
    [
        ("/admin/papers/hide", "2611.99999", 404),
        ("/admin/papers/hide", "not an id", 400),
        ("/admin/papers/hide", "", 400),
        ("/admin/papers/hide", "2611.00001'; DROP TABLE papers; --", 400),
        ("/admin/papers/feature", "2611.99999", 404),
        ("/admin/comments/hide", "999999", 404),
        ("/admin/comments/hide", "1 OR 1=1", 404),
        ("/admin/comments/unhide", "abc", 404),
        ("/admin/users/ban", "nobody", 404),
        ("/admin/users/ban", "' OR '1'='1", 404),
        ("/admin/users/ban", "x" * 300, 404),
        ("/admin/users/unban", "", 404),
    ],
)
def test_unknown_and_malformed_targets_are_4xx_and_write_nothing(
    admin_client, papers, session_factory, action, target, status
):
    r = post(admin_client, action, {"target": target})
    assert r.status_code == status, r.text
    assert _log(session_factory) == []
    with session_factory() as s:
        assert s.scalar(select(func.count()).where(Paper.hidden.is_(True))) == 0
        assert s.scalar(select(func.count()).where(User.banned_at.is_not(None))) == 0


def test_paper_not_on_the_feed_cannot_be_featured(admin_client, paper_factory, session_factory):
    lonely = paper_factory(arxiv_id="2611.00042")  # no feed day
    r = post(admin_client, "/admin/papers/feature", {"target": lonely})
    assert r.status_code == 400 and "not on the daily feed" in r.text
    assert _log(session_factory) == []


@pytest.mark.parametrize("reason", ["x" * 501, "bad\x00byte", "tab\x07bell"])
def test_a_bad_reason_refuses_the_whole_action(
    admin_client, make_user, papers, session_factory, reason
):
    make_user("eve")
    for action, target in [("/admin/papers/hide", papers[0]), ("/admin/users/ban", "eve")]:
        r = post(admin_client, action, {"target": target, "reason": reason})
        assert r.status_code == 400, action
    assert not _hidden(session_factory, papers[0])
    with session_factory() as s:
        assert s.scalar(select(User.banned_at).where(User.username == "eve")) is None
    assert _log(session_factory) == []


def test_sql_injection_as_a_reason_is_stored_as_text(admin_client, papers, session_factory):
    reason = "'); DELETE FROM admin_actions; --"
    assert (
        post(
            admin_client, "/admin/papers/hide", {"target": papers[0], "reason": reason}
        ).status_code
        == 303
    )
    assert _log(session_factory) == [("chief", "hide paper", papers[0], reason)]


def test_service_refuses_members_and_logs_with_the_change(session_factory, make_user, papers):
    member = make_user("ada")
    admin = make_user("chief", role="admin")
    with session_scope(session_factory) as s, pytest.raises(Forbidden):
        moderation.set_paper_hidden(s, member, papers[0], True, now=NOW)
    with session_scope(session_factory) as s, pytest.raises(Forbidden):
        moderation.ban_user(s, member, "chief", now=NOW)
    with session_scope(session_factory) as s, pytest.raises(Conflict):
        moderation.ban_user(s, admin, "chief", now=NOW)
    assert _log(session_factory) == []
    with session_scope(session_factory) as s:
        moderation.ban_user(s, admin, "ada", reason="  many   spaces ", now=NOW)
    assert _log(session_factory) == [("chief", "ban user", "ada", "many spaces")]
    with session_scope(session_factory) as s:
        assert users.authenticate(s, "nobody", PASSWORD) is None
        with pytest.raises(users.AccountBanned):
            users.authenticate(s, "ada", PASSWORD)


def test_a_banned_members_page_and_author_links_disappear(
    admin_client, make_user, papers, session_factory
):
    from paperfeed.service import authors

    ada = make_user("ada")
    admin = make_user("chief2", role="admin")
    with session_scope(session_factory) as s:
        claim = authors.claim_authorship(s, ada, papers[0], "Ada Lovelace", now=NOW)
        authors.decide_claim(s, admin, claim.id, True, now=NOW)
    assert admin_client.get("/users/ada").status_code == 200
    assert post(admin_client, "/admin/users/ban", {"target": "ada"}).status_code == 303
    with TestClient(admin_client.app) as reader:
        assert reader.get("/users/ada").status_code == 404
        assert 'href="/users/ada"' not in reader.get(f"/papers/{papers[0]}").text
    assert re.search(r"ban user", admin_client.get("/admin/log").text)
