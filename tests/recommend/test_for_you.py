"""The for-you ranking through its service function, on SQLite and PostgreSQL: cold start,
content relevance from the library, upvotes and "more like this", negatives, the mix,
exclusions (saved, dismissed, seen), follows, reasons, the window and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from recommend_helpers import NOW, add_paper, at, axis, follow, make_account, paper_id, save, vote

from paperfeed.errors import InvalidInput
from paperfeed.library.feedback import clear_feedback, set_feedback
from paperfeed.recommend.for_you import for_you, rank_window
from paperfeed.recommend.profile import load_profile
from paperfeed.recommend.scoring import Params
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import PaperSeen


@pytest.fixture
def index(runtime):
    return runtime.vector_index


@pytest.fixture
def member(session_factory):
    return make_account(session_factory, "ada")


def _ids(page) -> list[str]:
    return [item.paper.arxiv_id for item in page.items]


def _page(session_factory, index, user_id, **kw):
    kw.setdefault("days", 7)
    kw.setdefault("mix", 1.0)
    with session_factory() as s:
        return for_you(s, index, user_id=user_id, now=NOW, limit=kw.pop("limit", 20), **kw)


def test_a_member_with_nothing_gets_trending_and_is_told_so(session_factory, index, member):
    m = index.model
    quiet = add_paper(session_factory, m, 1, axis(0), upvotes=0)
    hot = add_paper(session_factory, m, 2, axis(1), upvotes=40)
    warm = add_paper(session_factory, m, 3, axis(2), upvotes=5)
    page = _page(session_factory, index, member.id, mix=1.0)
    assert page.cold_start is True
    assert _ids(page) == [hot, warm, quiet]
    assert {i.reason.kind for i in page.items} == {"trending"}
    assert page.items[0].community == pytest.approx(1.0)
    assert page.total == 3 and page.days == 7 and page.mix == 1.0


def test_saved_papers_pull_their_neighbours_up_and_are_never_shown(session_factory, index, member):
    m = index.model
    mine = add_paper(session_factory, m, 1, axis(0), age=timedelta(days=40), title="Graph nets")
    near = add_paper(session_factory, m, 2, axis(0, tilt=0.2))
    far = add_paper(session_factory, m, 3, axis(4), upvotes=50)
    also_saved = add_paper(session_factory, m, 4, axis(0, tilt=0.1))
    save(session_factory, member.id, mine, at=at(30))
    save(session_factory, member.id, also_saved)
    page = _page(session_factory, index, member.id, mix=1.0)
    assert page.cold_start is False
    assert _ids(page) == [near, far]  # neither saved paper comes back
    top = page.items[0]
    assert top.personal == pytest.approx(1.0) and top.reason.kind == "saved"
    assert top.reason.arxiv_id in {mine, also_saved}
    only_community = _page(session_factory, index, member.id, mix=0.0)
    assert _ids(only_community) == [far, near]
    assert only_community.items[0].reason.kind == "trending"


def test_the_mix_moves_a_paper_between_mine_and_the_community(session_factory, index, member):
    m = index.model
    add_paper(session_factory, m, 1, axis(0), age=timedelta(days=60))
    save(session_factory, member.id, "2611.00001", at=at(60))
    close = add_paper(session_factory, m, 2, axis(0, tilt=0.3), upvotes=1)
    popular = add_paper(session_factory, m, 3, axis(3), upvotes=100)
    orders = [_ids(_page(session_factory, index, member.id, mix=x)) for x in (1.0, 0.5, 0.2, 0.0)]
    assert orders[0] == [close, popular]
    assert orders[-1] == [popular, close]
    scores = _page(session_factory, index, member.id, mix=0.5).items
    for item in scores:
        assert item.score == pytest.approx(0.5 * item.personal + 0.5 * item.community)


def test_upvotes_and_more_like_this_are_interests_too(session_factory, index, member):
    m = index.model
    old = add_paper(session_factory, m, 1, axis(2), age=timedelta(days=20))
    liked = add_paper(session_factory, m, 2, axis(5))
    near_old = add_paper(session_factory, m, 3, axis(2, tilt=0.2))
    near_liked = add_paper(session_factory, m, 4, axis(5, tilt=0.2))
    add_paper(session_factory, m, 5, axis(7))
    vote(session_factory, member.id, old, at=at(20))
    with session_scope(session_factory) as s:
        set_feedback(s, member.id, liked, "more", now=NOW)
    page = _page(session_factory, index, member.id)
    kinds = {i.paper.arxiv_id: i.reason.kind for i in page.items}
    assert set(_ids(page)[:2]) == {near_old, near_liked}
    assert kinds[near_old] == "upvoted" and kinds[near_liked] == "more"
    assert liked in _ids(page)  # asking for more does not hide the paper itself


def test_not_interested_hides_the_paper_and_lowers_its_like_until_undone(
    session_factory, index, member
):
    m = index.model
    add_paper(session_factory, m, 1, axis(0), age=timedelta(days=10))
    save(session_factory, member.id, "2611.00001", at=at(10))
    a = add_paper(session_factory, m, 2, axis(0, tilt=0.5))
    b = add_paper(session_factory, m, 3, axis(1, tilt=-0.3))  # near the one dismissed
    dismissed = add_paper(session_factory, m, 4, axis(1))
    c = add_paper(session_factory, m, 5, axis(0, tilt=0.9))
    before = _ids(_page(session_factory, index, member.id))
    assert dismissed in before
    with session_scope(session_factory) as s:
        set_feedback(s, member.id, dismissed, "not_interested", now=NOW)
    after = _ids(_page(session_factory, index, member.id))
    assert dismissed not in after and set(after) == {a, b, c}
    assert after.index(b) > before.index(b) or after[-1] == b
    with session_scope(session_factory) as s:
        clear_feedback(s, member.id, dismissed, now=NOW)
    assert _ids(_page(session_factory, index, member.id)) == before


def test_hide_seen_leaves_out_what_the_member_opened(session_factory, index, member):
    m = index.model
    save(session_factory, member.id, add_paper(session_factory, m, 1, axis(0), age=at(0) - at(9)))
    seen = add_paper(session_factory, m, 2, axis(0, tilt=0.1))
    other = add_paper(session_factory, m, 3, axis(1))
    with session_scope(session_factory) as s:
        s.add(PaperSeen(user_id=member.id, paper_id=paper_id(session_factory, seen), seen_at=NOW))
    assert _ids(_page(session_factory, index, member.id)) == [seen, other]
    assert _ids(_page(session_factory, index, member.id, hide_seen=True)) == [other]


def test_follows_bring_papers_and_say_so_even_without_vectors(session_factory, member):
    plain = add_paper(session_factory, "none", 1, None, upvotes=9)
    by_author = add_paper(session_factory, "none", 2, None, authors=("Grace Hopper", "X Y"))
    in_cat = add_paper(session_factory, "none", 3, None, categories=("cs.CL",))
    on_topic = add_paper(
        session_factory, "none", 4, None, title="Sparse attention", abstract="Long context."
    )
    follow(session_factory, member.id, "author", "grace hopper")
    follow(session_factory, member.id, "category", "cs.CL")
    follow(session_factory, member.id, "topic", "attention long", query="Attention, long")
    page = _page(session_factory, None, member.id)
    assert page.cold_start is False
    assert _ids(page)[:3] == [by_author, on_topic, in_cat] and _ids(page)[3] == plain
    reasons = {i.paper.arxiv_id: i.reason for i in page.items}
    assert reasons[by_author].kind == "follow" and reasons[by_author].label == "grace hopper"
    assert reasons[in_cat].text == "Because you follow cs.CL"
    assert reasons[plain].kind == "trending"


def test_the_window_is_the_last_days_as_of_the_latest_activity(session_factory, index, member):
    m = index.model
    save(session_factory, member.id, add_paper(session_factory, m, 1, axis(0), age=at(0) - at(99)))
    today = add_paper(session_factory, m, 2, axis(0), age=timedelta(hours=2))
    week = add_paper(session_factory, m, 3, axis(0), age=timedelta(days=5))
    month = add_paper(session_factory, m, 4, axis(0), age=timedelta(days=20))
    assert _ids(_page(session_factory, index, member.id, days=1)) == [today]
    assert set(_ids(_page(session_factory, index, member.id, days=7))) == {today, week}
    assert set(_ids(_page(session_factory, index, member.id, days=30))) == {today, week, month}
    with session_factory() as s:  # a year later nothing happened: judged at the latest posting
        page = for_you(s, index, user_id=member.id, now=NOW + timedelta(days=365), days=1, mix=1)
    assert page.as_of.idle and _ids(page) == [today]


def test_paging_and_bad_input(session_factory, index, member):
    m = index.model
    for n in range(1, 8):
        add_paper(session_factory, m, n, axis(n), upvotes=n)
    first = _page(session_factory, index, member.id, limit=3)
    second = _page(session_factory, index, member.id, limit=3, offset=3)
    assert first.total == 7 and len(first.items) == 3 and len(second.items) == 3
    assert not set(_ids(first)) & set(_ids(second))
    for bad in ({"days": 3}, {"mix": 1.5}, {"mix": float("nan")}, {"limit": 0}, {"offset": -1}):
        with pytest.raises(InvalidInput):
            _page(session_factory, index, member.id, **bad)


def test_the_words_knob_lifts_the_paper_that_shares_the_librarys_words(
    session_factory, index, member
):
    m = index.model
    mine = add_paper(
        session_factory, m, 1, axis(0), age=timedelta(days=30), title="Quokka wombat tracking"
    )
    save(session_factory, member.id, mine, at=at(30))
    shares = add_paper(session_factory, m, 2, axis(0, 0.3), title="Tracking quokka herds")
    other = add_paper(session_factory, m, 3, axis(0, 0.3), title="Counting river fish")
    with session_factory() as s:
        profile = load_profile(s, member.id)
        kw = {"user_id": member.id, "as_of": NOW, "days": 7, "mix": 1.0}
        off = rank_window(s, m, profile, params=Params(words_weight=0.0), **kw)
        on = rank_window(s, m, profile, params=Params(words_weight=1.0), **kw)
    order = [[r.papers[i].arxiv_id for i in r.order] for r in (off, on)]
    assert order[0] == [other, shares]  # same vector: the higher id first
    assert order[1] == [shares, other]
