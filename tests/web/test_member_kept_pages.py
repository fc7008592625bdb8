"""Member pages kept per (session, member state, URL, data version) (web/member_pages.py) and
the state counter they are keyed on (``users.member_state``, bumped by the database's
triggers, migration 0016), both backends. A kept page changes at once after the member's
write, whichever process or app instance on the same database makes it; no kept page is
served to another member, or to another session of the same member (its CSRF token)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from members import NOW, csrf_of, make_account, signed_in
from paperfeed.library.collection_edits import create_collection, delete_collection
from paperfeed.library.collections import save_paper, unsave_paper
from paperfeed.library.feedback import set_feedback
from paperfeed.library.follows import follow_category
from paperfeed.library.prefs import set_prefs
from paperfeed.library.seen import mark_seen
from paperfeed.service.comments import add_comment
from paperfeed.service.votes import set_vote
from paperfeed.store.db import session_scope

pytestmark = pytest.mark.slow  # log-ins (argon2) and many pages per test

SAVE = re.compile(r'action="/papers/([^/]+)/save".*?aria-pressed="(true|false)"', re.S)
VIEWS = 4  # first view (the application), second (shared render), then kept


def state_of(session_factory, username: str, column: str = "member_state") -> int:
    with session_scope(session_factory) as s:
        sql = text(f"SELECT {column} FROM users WHERE username = :u")  # noqa: S608 (ours)
        return s.execute(sql, {"u": username}).scalar_one()


def test_every_write_of_a_member_counts_on_their_state_only(session_factory, paper_factory):
    a = paper_factory(title="Counted", feed_day=NOW.date())
    ada = make_account(session_factory, "ada")
    make_account(session_factory, "bob")
    with session_scope(session_factory) as s:
        paper_id = s.execute(text("SELECT id FROM papers")).scalar_one()
    writes = [
        lambda s: set_vote(s, ada.id, a, up=True, now=NOW),
        lambda s: save_paper(s, ada.id, a, now=NOW),
        lambda s: unsave_paper(s, ada.id, a, now=NOW),
        lambda s: set_feedback(s, ada.id, a, "more", now=NOW),
        lambda s: follow_category(s, ada.id, "cs.LG", now=NOW),
        lambda s: add_comment(s, a, ada, "A counted remark", now=NOW),
        lambda s: set_prefs(s, ada.id, mix=0.3, days=7, hide_seen=True, now=NOW),
        lambda s: create_collection(s, ada.id, name="Reading", now=NOW),
    ]
    for write in writes:
        before = state_of(session_factory, "ada")
        with session_scope(session_factory) as s:
            write(s)
        assert state_of(session_factory, "ada") > before, write
    with session_scope(session_factory) as s:
        sql = text("SELECT id FROM collections WHERE name = 'Reading'")
        collection_id = s.execute(sql).scalar_one()
    before = state_of(session_factory, "ada")
    with session_scope(session_factory) as s:
        delete_collection(s, ada.id, collection_id)
    assert state_of(session_factory, "ada") > before
    # A seen paper counts apart: reading a paper leaves the member's other kept pages be.
    before = state_of(session_factory, "ada")
    with session_scope(session_factory) as s:
        mark_seen(s, ada.id, [paper_id], now=NOW)
    assert state_of(session_factory, "ada") == before
    assert state_of(session_factory, "ada", "seen_state") == 1
    for column in ("member_state", "seen_state"):  # nobody else's writes count on bob
        assert state_of(session_factory, "bob", column) == 0


def saved(client, page: str) -> dict[str, str]:
    html = client.get(page).text
    return dict(SAVE.findall(html))


@pytest.fixture
def two_instances(settings, paper_factory, session_factory):
    """Paper A of the day; two app instances on the same database (two workers, or two
    hosts); ada signed in on the first, and the same browser (her cookies) on the second."""
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    a = paper_factory(title="Kept page A", feed_day=NOW.date(), upvotes=2)
    make_account(session_factory, "ada")
    make_account(session_factory, "bob")
    apps = [create_app(settings) for _ in range(2)]
    for app in apps:
        app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two, TestClient(apps[0]) as bob:
        signed_in(one, "ada")
        signed_in(bob, "bob")
        two.cookies.update(one.cookies)
        yield a, one, two, bob


@pytest.mark.parametrize("page", ["/", "paper"])
def test_a_kept_page_changes_at_once_after_a_write_elsewhere(two_instances, session_factory, page):
    a, one, two, bob = two_instances
    page = f"/papers/{a}" if page == "paper" else page
    for _ in range(VIEWS):
        assert saved(one, page) == {a: "false"}
        assert saved(bob, page) == {a: "false"}
    # Saved on the other instance (a save changes no data version; only her state).
    token = csrf_of(two.get(page).text)
    r = two.post(f"/papers/{a}/save", data={"action": "save", "csrf_token": token})
    assert r.status_code in (200, 303)
    assert saved(one, page) == {a: "true"}
    assert saved(bob, page) == {a: "false"}  # bob's kept page is his
    # Unsaved by another process (a script on the same database): the next view knows.
    with session_scope(session_factory) as s:
        uid = s.execute(text("SELECT id FROM users WHERE username='ada'")).scalar_one()
        unsave_paper(s, uid, a, now=NOW)
    assert saved(one, page) == {a: "false"}
    for _ in range(VIEWS):
        assert saved(one, page) == {a: "false"}


def test_each_session_gets_its_own_kept_page(two_instances):
    """Two browsers of the same member: each page carries its own session's CSRF token,
    and a form sent with it is accepted; bob never gets one of ada's pages."""
    a, one, _two, bob = two_instances
    other = TestClient(one.app)
    with other:
        signed_in(other, "ada")
        tokens = {}
        for _ in range(VIEWS):
            for name, client in (("one", one), ("other", other), ("bob", bob)):
                html = client.get("/").text
                tokens.setdefault(name, set()).add(csrf_of(html))
                assert ('href="/account">bob<' in html) == (name == "bob")
        assert all(len(t) == 1 for t in tokens.values()), tokens
        assert len(set.union(*tokens.values())) == 3
        r = other.post(
            f"/papers/{a}/save", data={"action": "save", "csrf_token": tokens["other"].pop()}
        )
        assert r.status_code in (200, 303), r.text


def test_the_for_you_page_follows_the_members_own_writes(two_instances, session_factory):
    a, one, two, bob = two_instances
    for _ in range(VIEWS):
        page = one.get("/for-you")
        assert page.status_code == 200
        assert "Kept page A" in page.text
        assert page.headers["cache-control"] == "private, no-store"
        assert 'href="/account">ada<' in page.text and "bob" not in page.text
    assert 'href="/account">bob<' in bob.get("/for-you").text
    # "Not interested", from the other instance: the card leaves her list at once.
    token = csrf_of(two.get("/for-you").text)
    r = two.post(
        f"/papers/{a}/feedback",
        data={"kind": "not_interested", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert f'id="paper-{a}"' not in one.get("/for-you").text
    assert f'id="paper-{a}"' in bob.get("/for-you").text


def test_the_for_you_page_hides_a_paper_once_seen(two_instances, session_factory):
    a, one, two, _bob = two_instances
    with session_scope(session_factory) as s:
        uid = s.execute(text("SELECT id FROM users WHERE username='ada'")).scalar_one()
        set_prefs(s, uid, mix=0.5, days=7, hide_seen=True, now=NOW)
    for _ in range(VIEWS):
        assert f'id="paper-{a}"' in one.get("/for-you").text
    assert two.get(f"/papers/{a}").status_code == 200  # seen, on the other instance
    assert f'id="paper-{a}"' not in one.get("/for-you").text
