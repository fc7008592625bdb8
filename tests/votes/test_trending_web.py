"""Trending from stored votes (service/trending.py), /papers/trending and
``/api/daily_papers?sort=trending``, on both databases, with scores computed by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from votes_helpers import NOW, make_member

from paperfeed.service import votes
from paperfeed.service.periods import month_period
from paperfeed.service.trending import trending
from paperfeed.store.db import session_scope

H = timedelta(hours=1)


def _at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def scene(paper_factory, session_factory):
    """Five feed papers, three members voting at known times (now: 2026-11-20 12:00)."""

    def paper(imported: int, posted: datetime) -> str:
        return paper_factory(upvotes=imported, feed_day=posted.date(), submitted_at=posted)

    ids = {
        "a": paper(40, _at(11, 10)),  # 40 * 2**(-10/3)                       = 3.968503
        "b": paper(0, _at(11, 19)),  # 2**(-1/72) + 2**(-1/3) + 2**(-2/3)    = 2.414082
        "c": paper(2, _at(11, 20, 8)),  # 2 * 2**(-4/72)                       = 1.924448
        "d": paper(500, _at(9, 1)),  # 500 * 2**(-80/3) + 2**(-1/6)         = 0.890904
        "e": paper(500, _at(9, 1)),  # beyond the 30-day horizon, no recent votes: left out
    }
    members = [make_member(session_factory, name)[0].id for name in ("ann", "ben", "cyd")]
    cast = [(0, "b", NOW - H), (1, "b", NOW - 24 * H), (2, "b", NOW - 48 * H)]
    cast += [(0, "d", NOW - 12 * H), (0, "e", NOW - 40 * 24 * H)]
    for who, key, when in cast:
        with session_scope(session_factory) as session:
            votes.upvote(session, members[who], ids[key], now=when)
    return ids


def test_trending_scores_by_hand(scene, session):
    ranked, total = trending(session, as_of=NOW, half_life=timedelta(hours=72))
    assert total == 4
    assert [t.paper.arxiv_id for t in ranked] == [scene[k] for k in "abcd"]
    assert [t.score for t in ranked] == pytest.approx([3.968503, 2.414082, 1.924448, 0.890904])
    assert [t.paper.upvotes for t in ranked] == [40, 3, 2, 501]
    page, _ = trending(session, as_of=NOW, limit=2, offset=2)
    assert [t.paper.arxiv_id for t in page] == [scene["c"], scene["d"]]


def test_a_shorter_half_life_favours_fresh_votes(scene, session):
    # 24 h: a 40 / 1024 = 0.0390625; b 2**(-1/24) + 1/2 + 1/4 = 1.721532;
    # c 2 * 2**(-1/6) = 1.781797; d 2**(-1/2) + ~0 = 0.707107
    ranked, _ = trending(session, as_of=NOW, half_life=24 * H)
    assert [t.paper.arxiv_id for t in ranked] == [scene[k] for k in "cbda"]
    assert [t.score for t in ranked] == pytest.approx([1.781797, 1.721532, 0.707107, 0.0390625])


def test_a_past_period_is_judged_at_its_end(scene, session):
    # September, as of Oct 1 00:00: d and e have 500 imported upvotes each, 29.5 days old;
    # e's vote (Oct 11) and d's (Nov 20) had not been cast yet. Equal: the newer id first.
    ranked, total = trending(session, as_of=_at(10, 1, 0), period=month_period(2026, 9))
    assert total == 2
    assert [t.paper.arxiv_id for t in ranked] == [scene["e"], scene["d"]]
    assert ranked[0].score == pytest.approx(500 * 2 ** (-29.5 / 3))


def test_api_sort_trending_uses_votes_and_the_half_life_setting(scene, client, app):
    r = client.get("/api/daily_papers", params={"sort": "trending"})
    assert r.status_code == 200 and r.headers["x-total-count"] == "4"
    assert [i["paper"]["id"] for i in r.json()] == [scene[k] for k in "abcd"]
    assert set(r.json()[0]) >= {"paper", "publishedAt", "title", "summary", "numComments"}
    app.state.settings = app.state.settings.model_copy(update={"trending_half_life_hours": 24})
    r = client.get("/api/daily_papers", params={"sort": "trending", "limit": 2, "p": 1})
    assert [i["paper"]["id"] for i in r.json()] == [scene["d"], scene["a"]]


def test_trending_page_lists_the_papers_and_is_linked_from_the_feed(scene, client):
    assert 'href="/papers/trending"' in client.get("/").text
    r = client.get("/papers/trending")
    assert r.status_code == 200
    order = [m for m in re.findall(r'id="paper-([\d.]+)"', r.text)]
    assert order == [scene[k] for k in "abcd"]
    assert "every 3 days" in r.text
    assert 'href="/api/daily_papers?sort=trending"' in r.text
    assert client.get("/papers/trending?p=0").status_code == 400
    assert client.get("/papers/trending?p=2").status_code == 200


def test_nothing_trending(client):
    r = client.get("/papers/trending")
    assert r.status_code == 200 and "Nothing is trending" in r.text
