"""Follows (library/follows.py) and the Following feed (recommend/following.py) through the
service functions, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from members import NOW, make_account
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library import follows
from paperfeed.recommend.following import following_feed
from paperfeed.search.sync import sync_backend
from paperfeed.service.authors import claim_authorship, decide_claim
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Follow
from paperfeed.store.models import Paper


def feed(runtime, user_id, **kw):
    sync_backend(runtime.search)
    with session_scope(runtime.sessions, write=False) as s:
        return following_feed(s, runtime.search, runtime.semantic, user_id=user_id, now=NOW, **kw)


def test_following_twice_is_one_follow_and_keys_are_normalised(session_factory):
    ada = make_account(session_factory)
    with session_scope(session_factory) as s:
        a = follows.follow_author(s, ada.id, "  Yann   LeCun ", now=NOW)
        b = follows.follow_author(s, ada.id, "yann lecun", now=NOW)
        c = follows.follow_category(s, ada.id, "cs.cl", now=NOW)
        d = follows.follow_topic(s, ada.id, "Diffusion  Models", mode="keyword", now=NOW)
        e = follows.follow_topic(s, ada.id, "diffusion models", mode="keyword", now=NOW)
    assert a.id == b.id and a.label == "Yann LeCun" and a.key == "yann lecun"
    assert c.key == "cs.CL" and c.label == "cs.CL"
    assert d.id == e.id and d.query == "Diffusion Models" and d.mode == "keyword"
    with session_scope(session_factory, write=False) as s:
        listed = follows.list_follows(s, ada.id)
        assert [f.kind for f in listed] == ["author", "category", "topic"]
        assert s.scalar(select(Follow.id).where(Follow.id == a.id)) == a.id


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("category", "not a category"),
        ("category", "cs." + "x" * 40),
        ("category", 7),
        ("author", "   "),
        ("author", "x" * 300),
        ("author", "@someone"),
        ("topic", ""),
        ("topic", "w " * 150),
        ("galaxy", "cs.CL"),
    ],
)
def test_bad_things_to_follow_are_refused(session_factory, kind, value):
    ada = make_account(session_factory)
    with session_scope(session_factory) as s, pytest.raises(InvalidInput):
        follows.follow(s, ada.id, follows.thing_of(s, kind, value), now=NOW)


def test_unknown_topic_mode_is_refused(session_factory):
    ada = make_account(session_factory)
    with session_scope(session_factory) as s, pytest.raises(InvalidInput):
        follows.follow_topic(s, ada.id, "graphs", mode="psychic", now=NOW)


def test_another_members_follow_is_not_found(session_factory):
    ada = make_account(session_factory)
    bob = make_account(session_factory, "bob")
    with session_scope(session_factory) as s:
        mine = follows.follow_category(s, ada.id, "cs.CL", now=NOW)
    with session_scope(session_factory) as s:
        with pytest.raises(NotFound):
            follows.unfollow(s, bob.id, mine.id)
        with pytest.raises(NotFound):
            follows.get_follow(s, bob.id, mine.id)
        assert follows.list_follows(s, bob.id) == []
        with pytest.raises(NotFound):
            follows.unfollow(s, ada.id, "12abc")
    with session_scope(session_factory) as s:
        follows.unfollow(s, ada.id, mine.id)
        assert follows.list_follows(s, ada.id) == []


def test_a_member_follows_at_most_the_limit(session_factory, monkeypatch):
    monkeypatch.setattr(follows, "MAX_FOLLOWS", 3)
    ada = make_account(session_factory)
    with session_scope(session_factory) as s:
        for code in ("cs.CL", "cs.LG", "cs.CV"):
            follows.follow_category(s, ada.id, code, now=NOW)
        follows.follow_category(s, ada.id, "cs.CL", now=NOW)  # already followed: fine
        with pytest.raises(InvalidInput, match="3 things"):
            follows.follow_category(s, ada.id, "cs.AI", now=NOW)


def test_a_member_follow_needs_a_confirmed_member(session_factory):
    ada = make_account(session_factory)
    with session_scope(session_factory) as s, pytest.raises(NotFound):
        follows.follow_author(s, ada.id, username="nobody", now=NOW)


def test_feed_brings_followed_authors_categories_and_topics_newest_first(runtime, paper_factory):
    day = timedelta(days=1)
    lecun = paper_factory(authors=("Yann LeCun",), categories=("cs.CV",), published_at=NOW)
    cl = paper_factory(authors=("A B",), categories=("cs.LG", "cs.CL"), published_at=NOW - day)
    both = paper_factory(
        authors=("yann  lecun",), categories=("cs.CL",), published_at=NOW - 2 * day
    )
    topic = paper_factory(
        title="Graph diffusion at scale", categories=("math.CO",), published_at=NOW - 3 * day
    )
    paper_factory(authors=("Nobody",), categories=("cs.CV",), published_at=NOW)  # not followed
    paper_factory(authors=("Yann LeCun",), published_at=NOW - 30 * day)  # outside the window
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_author(s, ada.id, "Yann LeCun", now=NOW)
        follows.follow_category(s, ada.id, "cs.CL", now=NOW)
        follows.follow_topic(s, ada.id, "graph diffusion", mode="keyword", now=NOW)
    page = feed(runtime, ada.id, days=7)
    assert [i.paper.arxiv_id for i in page.items] == [lecun, cl, both, topic]
    assert [i.because for i in page.items] == [
        ["Yann LeCun"],
        ["cs.CL"],
        ["Yann LeCun", "cs.CL"],
        ["graph diffusion"],
    ]
    assert page.total == 4 and page.follows == 3 and not page.idle
    assert page.last_day == NOW.date() and page.first_day == NOW.date() - 6 * day
    second = feed(runtime, ada.id, days=7, limit=2, offset=2)
    assert [i.paper.arxiv_id for i in second.items] == [both, topic] and second.total == 4
    assert [i.paper.arxiv_id for i in feed(runtime, ada.id, days=1).items] == [lecun]


def test_feed_of_another_member_is_theirs_alone(runtime, paper_factory):
    paper_factory(categories=("cs.CL",))
    ada = make_account(runtime.sessions)
    bob = make_account(runtime.sessions, "bob")
    with session_scope(runtime.sessions) as s:
        follows.follow_category(s, ada.id, "cs.CL", now=NOW)
    assert feed(runtime, ada.id).total == 1
    empty = feed(runtime, bob.id)
    assert empty.items == [] and empty.total == 0 and empty.follows == 0


def test_hidden_papers_are_never_brought(runtime, paper_factory):
    hidden = paper_factory(categories=("cs.CL",), title="Graph thing")
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_category(s, ada.id, "cs.CL", now=NOW)
        follows.follow_topic(s, ada.id, "graph", mode="keyword", now=NOW)
        s.execute(Paper.__table__.update().where(Paper.arxiv_id == hidden).values(hidden=True))
    assert feed(runtime, ada.id).total == 0


def test_idle_instance_window_ends_with_the_newest_paper(runtime, paper_factory):
    old = NOW - timedelta(days=400)
    newest = paper_factory(categories=("cs.CL",), published_at=old)
    paper_factory(categories=("cs.CL",), published_at=old - timedelta(days=10))
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_category(s, ada.id, "cs.CL", now=NOW)
    page = feed(runtime, ada.id, days=7)
    assert page.idle and page.last_day == old.date()
    assert [i.paper.arxiv_id for i in page.items] == [newest]


def test_following_a_member_brings_their_claimed_papers(runtime, paper_factory):
    mine = paper_factory(authors=("G. Hopper", "X Y"), categories=("cs.PL",))
    paper_factory(authors=("Grace Hopper",), categories=("cs.PL",))  # not claimed
    grace = make_account(runtime.sessions, "grace")
    admin = make_account(runtime.sessions, "marg", role="admin")
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        claim = claim_authorship(s, grace, mine, "G. Hopper", now=NOW)
    with session_scope(runtime.sessions) as s:
        decide_claim(s, admin, claim.id, True, now=NOW)
    with session_scope(runtime.sessions) as s:
        member = follows.follow_author(s, ada.id, username="Grace", now=NOW)
        by_name = follows.follow_author(s, ada.id, "g. hopper", now=NOW)
    assert member.is_member and member.username == "grace" and member.url == "/users/grace"
    assert by_name.username == "grace" and not by_name.is_member
    page = feed(runtime, ada.id)
    assert [(i.paper.arxiv_id, i.because) for i in page.items] == [(mine, ["@grace", "g. hopper"])]


def test_feed_checks_its_window(runtime):
    ada = make_account(runtime.sessions)
    for bad in ({"days": 0}, {"days": 91}, {"limit": 0}, {"limit": 201}, {"offset": -1}):
        with pytest.raises(InvalidInput):
            feed(runtime, ada.id, **bad)
