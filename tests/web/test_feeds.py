"""RSS 2.0 and Atom feeds (/feeds/...), read by a real feed reader (feedparser), on both
databases: entries, order, absolute links, escaping, errors, caching, and the
``<link rel="alternate">`` of the pages they mirror."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import feedparser
import pytest

BASE = "https://papers.example.org"
FORMATS = ["atom", "rss"]
PROJEKTOR = (
    "This paper proposes a framework called <projektor>, which predicts model performance. "
    "Also, <projektor> outperforms & co."
)


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={"base_url": BASE + "/", "semantic_search": False, "search_mode": "keyword"}
    )


def parse(response):
    assert response.status_code == 200, response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception  # well-formed XML
    return feed


def arxiv_ids(feed) -> list[str]:
    return [e.link.removeprefix(BASE + "/papers/") for e in feed.entries]


def summary_text(entry) -> str:
    """What a reader shows of an entry's summary: HTML is rendered, text is taken as is."""
    if entry.summary_detail.type == "text/html":
        return html.unescape(re.sub(r"<[^>]*>", "", entry.summary))
    return entry.summary


@pytest.mark.parametrize("fmt", FORMATS)
def test_daily_feed_is_the_latest_day_by_upvotes(client, paper_factory, fmt):
    paper_factory(arxiv_id="2611.00001", feed_day=date(2026, 11, 18), upvotes=99)
    paper_factory(
        arxiv_id="2611.00002",
        title="Few votes",
        feed_day=date(2026, 11, 19),
        upvotes=3,
        authors=("Grace Hopper", "Alan Turing"),
        categories=("cs.LG", "cs.AI"),
        published_at=datetime(2026, 11, 17, 9, 30, tzinfo=UTC),
    )
    paper_factory(
        arxiv_id="2611.00003", title="Many votes", feed_day=date(2026, 11, 19), upvotes=40
    )
    r = client.get(f"/feeds/daily.{fmt}")
    assert r.headers["content-type"] == f"application/{fmt}+xml; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=60"
    feed = parse(r)
    assert feed.version == ("atom10" if fmt == "atom" else "rss20")
    assert "Daily Papers" in feed.feed.title
    assert feed.feed.link == BASE + "/"  # the page it mirrors
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}/feeds/daily.{fmt}"]
    assert arxiv_ids(feed) == ["2611.00003", "2611.00002"]  # Nov 19 only, most upvoted first
    entry = feed.entries[1]
    assert entry.title == "Few votes"
    assert entry.id == f"{BASE}/papers/2611.00002"
    assert entry.published_parsed[:5] == (2026, 11, 17, 9, 30)
    assert [t.term for t in entry.tags] == ["cs.LG", "cs.AI"]
    assert summary_text(entry) == "Abstract of paper number 2."
    if fmt == "atom":  # RSS has one author field, and it wants an email address
        assert [a.name for a in entry.authors] == ["Grace Hopper", "Alan Turing"]
        assert entry.updated_parsed[:3] == (2026, 11, 17)


@pytest.mark.parametrize("fmt", FORMATS)
def test_markup_in_abstracts_and_titles_round_trips_as_text(client, paper_factory, fmt):
    paper_factory(
        arxiv_id="2611.00001",
        title="AstroM$^3$ & <b>bold</b> claims",
        abstract=PROJEKTOR,
        feed_day=date(2026, 11, 20),
    )
    r = client.get(f"/feeds/daily.{fmt}")
    assert b"<projektor>" not in r.content and b"<b>" not in r.content  # never raw markup
    (entry,) = parse(r).entries
    assert entry.title == "AstroM³ & <b>bold</b> claims"  # LaTeX read: docs/text-and-math.md
    assert summary_text(entry) == PROJEKTOR


@pytest.mark.parametrize("fmt", FORMATS)
def test_characters_xml_cannot_hold_are_dropped_not_a_500(client, paper_factory, fmt):
    paper_factory(
        arxiv_id="2611.00001",
        title="Bell\x07ed\x01 title",
        abstract="A bell\x07 and an escape\x1b.",
        feed_day=date(2026, 11, 20),
    )
    (entry,) = parse(client.get(f"/feeds/daily.{fmt}")).entries
    assert entry.title == "Belled title"
    assert summary_text(entry) == "A bell and an escape."


@pytest.mark.parametrize("fmt", FORMATS)
def test_trending_feed_has_the_trending_order(client, paper_factory, fmt):
    for n, votes in enumerate((5, 50, 20), start=1):
        paper_factory(arxiv_id=f"2611.0000{n}", feed_day=date(2026, 11, 19), upvotes=votes)
    paper_factory(arxiv_id="2611.00009", feed_day=date(2026, 11, 20), upvotes=1)
    expected = [p["paper"]["id"] for p in client.get("/api/daily_papers?sort=trending").json()]
    feed = parse(client.get(f"/feeds/trending.{fmt}"))
    assert arxiv_ids(feed) == expected
    assert expected[:3] == ["2611.00002", "2611.00003", "2611.00001"]
    assert feed.feed.link == BASE + "/papers/trending"


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_feed_takes_the_search_page_parameters(client, paper_factory, fmt):
    paper_factory(
        arxiv_id="2501.00001",
        title="Robot learning A",
        authors=("Ada Lovelace",),
        categories=("cs.RO",),
        published_at=datetime(2025, 1, 5, tzinfo=UTC),
    )
    paper_factory(
        arxiv_id="2606.00002",
        title="Robot learning B",
        authors=("Alan Turing",),
        categories=("cs.LG",),
        published_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    paper_factory(arxiv_id="2611.00003", title="Something else entirely")

    def found(**params):
        return arxiv_ids(parse(client.get(f"/feeds/search.{fmt}", params={"q": "robot", **params})))

    assert sorted(found()) == ["2501.00001", "2606.00002"]
    assert found(category="cs.RO") == ["2501.00001"]
    assert found(author="Alan Turing") == ["2606.00002"]
    assert found(**{"from": "2026-01-01"}) == ["2606.00002"]
    assert found(to="2025-12-31", mode="keyword") == ["2501.00001"]
    assert found(**{"from": "", "to": ""}) == sorted(found(), key=found().index)
    # the same order as the search page's JSON twin
    api = client.get("/api/papers/search", params={"q": "robot learning"}).json()
    assert found(q="robot learning") == [hit["paper"]["id"] for hit in api]
    feed = parse(client.get(f"/feeds/search.{fmt}", params={"q": "robot", "category": "cs.RO"}))
    assert feed.feed.link == BASE + "/search?q=robot&category=cs.RO"
    assert parse(client.get(f"/feeds/search.{fmt}", params={"q": "nothing matches"})).entries == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({}, "q is required"),
        ({"q": ""}, "q is required"),
        ({"q": "   "}, "q is required"),
        ({"q": "!!! ---"}, "q is required"),
        ({"q": "x", "from": "yesterday"}, "invalid from date"),
        ({"q": "x", "from": "2026-02-01", "to": "2026-01-01"}, "swap them"),
        ({"q": "x", "mode": "telepathy"}, "mode"),
        ({"q": "x" * 501}, "q"),
        ({"q": "x\x00y' OR 1=1 --"}, None),  # harmless: a valid, maybe empty, feed
    ],
)
def test_bad_search_feed_input_is_a_400_json_error(client, fmt, params, says):
    r = client.get(f"/feeds/search.{fmt}", params=params)
    if says is None:
        parse(r)
        return
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and body["status"] == 400 and says in body["error"]


def test_unknown_feed_formats_and_names_are_4xx_json(client):
    assert client.get("/feeds/daily.json").status_code == 400
    assert client.get("/feeds/weekly.atom").json()["status"] == 404


def test_feeds_are_cached_until_the_data_changes(client, paper_factory):
    paper_factory(arxiv_id="2611.00001", feed_day=date(2026, 11, 20))
    first = client.get("/feeds/daily.atom")
    etag = first.headers["etag"]
    assert client.get("/feeds/daily.atom", headers={"If-None-Match": etag}).status_code == 304
    paper_factory(arxiv_id="2611.00002", feed_day=date(2026, 11, 20), upvotes=7)
    again = client.get("/feeds/daily.atom", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert arxiv_ids(parse(again)) == ["2611.00002", "2611.00001"]


def _alternates(page: str) -> dict[str, str]:
    links = re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"', page)
    return {kind: html.unescape(href) for kind, href in links}


@pytest.mark.parametrize(
    ("page", "atom", "rss"),
    [
        ("/", "/feeds/daily.atom", "/feeds/daily.rss"),
        ("/papers?date=2026-11-19", "/feeds/daily.atom", "/feeds/daily.rss"),
        ("/papers/trending", "/feeds/trending.atom", "/feeds/trending.rss"),
        (
            "/search?q=robot+%3Cb%3E&category=cs.RO&p=2",
            "/feeds/search.atom?q=robot+%3Cb%3E&category=cs.RO",
            "/feeds/search.rss?q=robot+%3Cb%3E&category=cs.RO",
        ),
    ],
)
def test_pages_link_their_feeds(client, paper_factory, page, atom, rss):
    paper_factory(arxiv_id="2611.00001", title="Robot", feed_day=date(2026, 11, 19))
    r = client.get(page)
    assert r.status_code == 200
    links = _alternates(r.text)
    assert links["application/atom+xml"] == atom
    assert links["application/rss+xml"] == rss
    for href in (atom, rss):
        parse(client.get(href))  # each link is a working feed


def test_search_page_without_a_query_links_no_feed(client):
    assert "application/atom+xml" not in client.get("/search").text
