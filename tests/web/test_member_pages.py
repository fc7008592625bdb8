"""Member pages from shared parts (web/member_pages.py): two members and an anonymous reader
on the same pages, both backends. Nobody's name, email, CSRF token, votes, saves, feedback,
comments' edit forms or feed token reaches another's page or a cached response; a member's
own write shows on their next page at once; hiding a paper or a comment hides it for all."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from members import NOW, csrf_of, make_account, signed_in
from paperfeed.library.feed_tokens import new_feed_token
from paperfeed.service import moderation
from paperfeed.store.db import session_scope

pytestmark = pytest.mark.slow  # two members' log-ins (argon2) and many pages per test

DAY = NOW.date().isoformat()
PAGES = ("/", f"/papers?date={DAY}", "/papers/trending", "/search?q=shared")
MARKER = re.compile(r"pf[0-9a-f]{24}[ovhc]")
VOTE = re.compile(r'action="/papers/([^/]+)/upvote".*?aria-pressed="(true|false)"', re.S)
SAVE = re.compile(r'action="/papers/([^/]+)/save".*?aria-pressed="(true|false)"', re.S)


def pressed(pattern: re.Pattern, html: str) -> dict[str, str]:
    return dict(pattern.findall(html))


@pytest.fixture
def three(app, paper_factory, session_factory):
    """Papers A and B of the day; ada, bob (members) and an anonymous client."""
    a = paper_factory(title="Shared parts A", feed_day=NOW.date(), upvotes=3)
    b = paper_factory(title="Shared parts B", feed_day=NOW.date(), upvotes=1)
    make_account(session_factory, "ada")
    make_account(session_factory, "bob")
    with TestClient(app) as ada, TestClient(app) as bob, TestClient(app) as anon:
        signed_in(ada, "ada")
        signed_in(bob, "bob")
        yield a, b, ada, bob, anon


def form(client, page: str, action: str, data: dict):
    token = csrf_of(client.get(page).text)
    r = client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def test_nothing_of_a_member_reaches_another_or_the_cache(three, session_factory):
    a, b, ada, bob, anon = three
    form(ada, "/", f"/papers/{a}/upvote", {"action": "up"})
    form(ada, "/", f"/papers/{b}/save", {"action": "save"})
    form(ada, f"/papers/{a}", f"/papers/{a}/comments", {"body": "Ada's own remark"})
    with session_scope(session_factory) as s:
        ada_id = s.execute(text("SELECT id FROM users WHERE username='ada'")).scalar()
        feed_token = new_feed_token(s, ada_id, now=NOW)
    pages = (*PAGES, f"/papers/{a}", f"/papers/{b}")
    seen: dict[str, dict[str, str]] = {"ada": {}, "bob": {}, "anon": {}}
    for _round in range(2):  # the second round is served from the shared renders and caches
        for who, client in (("ada", ada), ("bob", bob), ("anon", anon)):
            for page in pages:
                r = client.get(page)
                assert r.status_code == 200, (who, page)
                assert not MARKER.search(r.text), (who, page)  # every slot filled
                assert feed_token not in r.text
                seen[who][page] = r.text
    ada_token = csrf_of(seen["ada"]["/"])
    bob_token = csrf_of(seen["bob"]["/"])
    assert ada_token != bob_token
    for page in pages:
        mine, other, nobody = seen["ada"][page], seen["bob"][page], seen["anon"][page]
        assert 'href="/account">ada<' in mine and 'href="/account">bob<' in other
        assert "ada@example.org" in mine and "bob@example.org" in other
        for html in (other, nobody):
            assert ada_token not in html and "ada@example.org" not in html
            assert 'href="/account">ada<' not in html
        assert bob_token not in mine and "bob@example.org" not in mine
        assert 'name="csrf_token"' not in nobody or page.startswith("/papers/")
    feed = f"/papers?date={DAY}"
    assert pressed(VOTE, seen["ada"][feed]) == {a: "true", b: "false"}
    assert pressed(VOTE, seen["bob"][feed]) == {a: "false", b: "false"}
    assert pressed(SAVE, seen["ada"][feed]) == {a: "false", b: "true"}
    assert pressed(SAVE, seen["bob"][feed]) == {a: "false", b: "false"}
    # The comment is everyone's to read; only its author gets its edit and delete forms.
    for who in seen:
        assert "own remark" in seen[who][f"/papers/{a}"]
    assert "/edit" in seen["ada"][f"/papers/{a}"]
    assert "/edit" not in seen["bob"][f"/papers/{a}"]
    assert "Log in</a> to comment" in seen["anon"][f"/papers/{a}"]


def test_a_members_writes_show_on_their_next_page(three):
    a, _b, ada, bob, _anon = three
    page = f"/papers/{a}"
    assert pressed(VOTE, ada.get(page).text) == {a: "false"}  # now in the shared renders
    assert pressed(SAVE, bob.get(page).text) == {a: "false"}
    form(ada, page, f"/papers/{a}/upvote", {"action": "up"})
    after = ada.get(page).text
    assert pressed(VOTE, after) == {a: "true"}
    assert "4 upvotes" in after
    assert pressed(VOTE, bob.get(page).text) == {a: "false"}
    assert "4 upvotes" in bob.get(page).text
    form(bob, page, f"/papers/{a}/save", {"action": "save"})  # no data version change
    assert pressed(SAVE, bob.get(page).text)[a] == "true"
    assert pressed(SAVE, ada.get(page).text)[a] == "false"
    assert "In your library" in bob.get(page).text  # the panel: bob's "Saved" holds it
    form(bob, page, f"/papers/{a}/comments", {"body": "Bob replies"})
    assert "Bob replies" in ada.get(page).text
    follow = {"kind": "author", "value": "Ada Lovelace", "action": "follow", "next": page}
    form(bob, page, "/follows", follow)
    assert "Following Ada Lovelace" in bob.get(page).text
    assert "Following Ada Lovelace" not in ada.get(page).text
    assert re.search(r'name="follow_id" value="\d+"', bob.get(page).text)
    # The Markdown variant of the page, asked by a member, is the paper's Markdown (the
    # member pages' shared render of the HTML is never served for it), and back again.
    md = ada.get(page, headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown"), md.headers
    assert "<html" not in md.text and "Shared parts A" in md.text
    assert "<html" in ada.get(page).text


def test_hiding_a_paper_or_comment_hides_it_for_everyone_at_once(three, session_factory):
    a, b, ada, bob, anon = three
    form(ada, f"/papers/{a}", f"/papers/{a}/comments", {"body": "Soon hidden words"})
    feed = f"/papers?date={DAY}"
    for client in (ada, bob, anon):
        assert "Shared parts B" in client.get(feed).text
        assert "Soon hidden words" in client.get(f"/papers/{a}").text
    admin = make_account(session_factory, "moda", role="admin")
    with session_scope(session_factory) as s:
        comment_id = s.execute(text("SELECT id FROM comments")).scalar()
        moderation.set_paper_hidden(s, admin, b, True, now=NOW)
        moderation.set_comment_hidden(s, admin, comment_id, True, now=NOW)
    for client in (ada, bob, anon):
        assert "Shared parts B" not in client.get(feed).text
        assert client.get(f"/papers/{b}").status_code == 404
        assert "Soon hidden words" not in client.get(f"/papers/{a}").text
