"""Trending on an idle instance (a demo of 2024 papers, a mirror that stopped), on both
databases: judged as of the latest activity (service.trending.trending_as_of) on the page, the
feeds and the API, and said so; a fresh instance is still judged as of now, with no note.

The pinned clock is 2026-11-20 12:00; the idle scene's last activity is a vote on
2024-11-08 06:00, two years before."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from votes_helpers import NOW, hide, make_member

from live_server import serve
from paperfeed.rank.trending import Candidate, horizon, rank_trending
from paperfeed.service import votes
from paperfeed.service.trending import AsOf, latest_activity, trending, trending_as_of
from paperfeed.store.db import session_scope

LAST_VOTE = datetime(2024, 11, 8, 6, 0, tzinfo=UTC)
HALF_LIFE = timedelta(hours=72)


def _posted(month: int, day: int) -> datetime:
    return datetime(2024, month, day, tzinfo=UTC)  # the demo's entries: start of their day


@pytest.fixture
def idle(paper_factory, session_factory):
    """Imported upvotes (no vote times) of late 2024, one member vote, nothing since."""

    def paper(arxiv_id: str, imported: int, posted: datetime) -> str:
        return paper_factory(
            arxiv_id=arxiv_id,
            upvotes=imported,
            feed_day=posted.date(),
            submitted_at=posted,
            published_at=posted - timedelta(days=1),
        )

    ids = {
        # Scores as of LAST_VOTE (half-life 72 h), by hand:
        "a": paper("2411.00001", 30, _posted(11, 8)),  # 30 * 2**(-6/72)           = 28.3162
        "b": paper("2411.00002", 50, _posted(11, 7)),  # 50 * 2**(-30/72)          = 37.4577
        "c": paper("2411.00003", 10, _posted(11, 1)),  # 10 * 2**(-174/72) + 1     =  2.8729
        "d": paper("2409.00004", 500, _posted(9, 1)),  # 68 days before: left out
        "h": paper("2411.00009", 900, _posted(11, 12)),  # hidden below: no activity
    }
    member = make_member(session_factory, "ann")[0].id
    for key, when in (("c", LAST_VOTE), ("h", datetime(2024, 11, 14, tzinfo=UTC))):
        with session_scope(session_factory) as session:
            votes.upvote(session, member, ids[key], now=when)
    hide(session_factory, ids["h"])
    return ids


@pytest.fixture
def fresh(paper_factory):
    """A paper posted yesterday: the instance is alive."""
    return paper_factory(upvotes=5, feed_day=NOW.date(), submitted_at=NOW - timedelta(days=1))


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _order(html: str) -> list[str]:
    return re.findall(r'id="paper-([\d.]+)"', html)


# ------------------------------------------------------------------ the one definition


def test_latest_activity_is_the_newest_vote_or_posting_of_a_visible_feed_paper(idle, session):
    # The hidden paper's later posting (Nov 12) and vote (Nov 14) do not count.
    assert latest_activity(session, NOW) == LAST_VOTE
    # Before the vote: the newest posting, Nov 8 00:00 (imported upvotes count from there).
    assert latest_activity(session, LAST_VOTE - timedelta(seconds=1)) == _posted(11, 8)
    assert latest_activity(session, datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_idle_means_quiet_for_longer_than_the_horizon(idle, session):
    quiet = LAST_VOTE + horizon(HALF_LIFE)
    assert trending_as_of(session, now=quiet, half_life=HALF_LIFE) == AsOf(quiet)
    later = quiet + timedelta(seconds=1)
    assert trending_as_of(session, now=later, half_life=HALF_LIFE) == AsOf(LAST_VOTE, idle=True)
    assert trending_as_of(session, now=NOW, half_life=HALF_LIFE).label == "Nov 8, 2024"


def test_an_empty_instance_is_not_idle(session):
    assert trending_as_of(session, now=NOW) == AsOf(NOW)


def test_ranking_as_of_the_latest_activity_is_the_ranking_of_any_later_time():
    # Nothing happened after it, so every weight shrinks by the same factor: same order.
    candidates = [
        Candidate("a", _posted(11, 8), 30),
        Candidate("b", _posted(11, 7), 50),
        Candidate("c", _posted(11, 1), 10, (LAST_VOTE,)),
    ]
    at_latest = rank_trending(candidates, LAST_VOTE, HALF_LIFE)
    later = rank_trending(candidates, LAST_VOTE + timedelta(days=5), HALF_LIFE)
    assert [k for k, _ in at_latest] == [k for k, _ in later] == ["b", "a", "c"]
    assert [s for _, s in at_latest] == pytest.approx([37.4577, 28.3162, 2.8729], abs=1e-4)


def test_service_ranks_as_of_the_latest_activity(idle, session):
    as_of = trending_as_of(session, now=NOW, half_life=HALF_LIFE)
    ranked, total = trending(session, as_of=as_of.at, half_life=HALF_LIFE)
    assert total == 3
    assert [t.paper.arxiv_id for t in ranked] == [idle[k] for k in "bac"]
    assert [t.score for t in ranked] == pytest.approx([37.4577, 28.3162, 2.8729], abs=1e-4)


# ------------------------------------------------------------------ the surfaces


def test_page_shows_trending_as_of_the_latest_activity(idle, client):
    r = client.get("/papers/trending")
    assert r.status_code == 200
    assert _order(r.text) == [idle[k] for k in "bac"]
    text = _text(r.text)
    assert "Trending as of Nov 8, 2024" in text
    assert "since Nov 8, 2024" in text
    assert "Nothing is trending" not in text and "upvoting now" not in text


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feeds_have_the_entries_and_say_as_of(idle, client, fmt):
    feed = feedparser.parse(client.get(f"/feeds/trending.{fmt}").content)
    assert not feed.bozo
    assert [e.link.rsplit("/", 1)[-1] for e in feed.entries] == [idle[k] for k in "bac"]
    assert "as of Nov 8, 2024" in feed.feed.title
    assert "as of Nov 8, 2024" in (feed.feed.get("subtitle") or feed.feed.description)


def test_api_sort_trending_answers_as_of_the_latest_activity(idle, client):
    r = client.get("/api/daily_papers", params={"sort": "trending"})
    assert r.status_code == 200
    assert [i["paper"]["id"] for i in r.json()] == [idle[k] for k in "bac"]
    assert r.headers["x-total-count"] == "3"
    assert datetime.fromisoformat(r.headers["x-trending-as-of"]) == LAST_VOTE
    # A past month that had activity is judged at its end, as before.
    r = client.get("/api/daily_papers", params={"sort": "trending", "month": "2024-11"})
    assert datetime.fromisoformat(r.headers["x-trending-as-of"]) == datetime(
        2024, 12, 1, tzinfo=UTC
    )
    assert [i["paper"]["id"] for i in r.json()] == [idle[k] for k in "bac"]
    # Other sorts carry no such header.
    assert "x-trending-as-of" not in client.get("/api/daily_papers").headers


def test_hf_client_lists_trending_papers_of_an_idle_instance(idle, app):
    hf = pytest.importorskip("huggingface_hub")
    with serve(app) as url:
        papers = list(hf.HfApi(endpoint=url, token=False).list_daily_papers(sort="trending"))
    assert [p.id for p in papers] == [idle[k] for k in "bac"]
    assert papers[0].upvotes == 50


def test_a_fresh_instance_is_trending_as_of_now_without_a_note(idle, fresh, client):
    r = client.get("/papers/trending")
    assert _order(r.text) == [fresh]  # the 2024 papers are beyond the horizon of now
    text = _text(r.text)
    assert "upvoting now" in text and "as of" not in text and "since" not in text
    feed = feedparser.parse(client.get("/feeds/trending.atom").content)
    assert feed.feed.title.startswith("Trending papers ·") and "as of" not in feed.feed.subtitle
    r = client.get("/api/daily_papers", params={"sort": "trending"})
    assert datetime.fromisoformat(r.headers["x-trending-as-of"]) == NOW
    assert [i["paper"]["id"] for i in r.json()] == [fresh]


def test_an_empty_instance_still_says_nothing_is_trending(client):
    r = client.get("/papers/trending")
    assert "Nothing is trending" in r.text and "as of" not in _text(r.text)
