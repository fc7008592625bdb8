"""RSS 2.0 and Atom feeds of the daily page, trending and any search (docs/feeds.md).

``/feeds/{daily,trending,search}.{atom,rss}``: the same papers, in the same order, as the page
they mirror (the latest day's feed by upvotes, trending now or, said in the title, as of an
idle instance's latest activity, search results with the same parameters as ``/search``), at
most ``page_size`` of them. Documents are built by feedgen (lxml), so every text field is
XML-escaped; links are absolute (``base_url``).

Abstracts are plain text. Atom says so (``<summary type="text">``); RSS has no such flag and
readers render ``<description>`` as HTML, so there the abstract is HTML-escaped first: a
literal ``<projektor>`` in an abstract reaches the reader as those characters, not a tag.
Titles and abstracts are their readable text (``MVD²``, ``naïvely``; docs/text-and-math.md):
feed readers show no LaTeX.

Feeds are the same for every reader, so they are ``public`` and go through the anonymous
response cache (``/feeds`` is among its prefixes) like the pages they mirror. An empty search
query is a 400 JSON error, not an empty feed: a subscription to nothing is a mistake to show.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from fastapi import Request, Response
from feedgen.feed import FeedGenerator

import paperfeed
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.deps import (
    NowDep,
    ReadSession,
    SearchDep,
    SemanticDep,
    SettingsDep,
)
from paperfeed.http.search_slots import IN_SEARCH_SLOT
from paperfeed.search.query import parse_query
from paperfeed.service.feed import feed_page
from paperfeed.service.search import run_request
from paperfeed.service.trending import trending, trending_as_of
from paperfeed.service.views import PaperView
from paperfeed.settings import Settings
from paperfeed.text import to_plain_text
from paperfeed.web.pages import FEED_CACHE
from paperfeed.web.search_form import FeedSearchDep
from paperfeed.web.vote_pages import half_life

router = routing.router(prefix="/feeds", tags=["feeds"])

Format = Literal["atom", "rss"]
CONTENT_TYPES: dict[str, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
# XML 1.0 forbids these characters even escaped; lxml refuses them, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _absolute(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def _entry_time(paper: PaperView, now: datetime) -> datetime:
    return paper.updated_at or paper.published_at or paper.submitted_at or now


def render_feed(
    fmt: Format,
    papers: Sequence[PaperView],
    *,
    settings: Settings,
    title: str,
    description: str,
    page: str,
    self_path: str,
    now: datetime,
) -> Response:
    """One feed document; ``page`` is the HTML page it mirrors, ``self_path`` its own URL."""
    feed = FeedGenerator()
    self_url = _absolute(settings, self_path)
    feed.id(self_url)
    feed.title(xml_text(f"{title} · {settings.site_name}"))
    feed.description(xml_text(description))  # Atom subtitle, RSS description (required)
    feed.link(href=self_url, rel="self", type=CONTENT_TYPES[fmt].split(";")[0])
    # RSS's one <link> is the last one given: the page, not the feed itself.
    feed.link(href=_absolute(settings, page), rel="alternate", type="text/html")
    feed.language("en")
    feed.generator("paperfeed", paperfeed.__version__)
    feed.updated(max((_entry_time(p, now) for p in papers), default=now))
    for paper in papers:
        url = _absolute(settings, f"/papers/{paper.arxiv_id}")
        entry = feed.add_entry(order="append")  # keep the page's order
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(xml_text(to_plain_text(paper.title)))
        entry.link(href=url, rel="alternate", type="text/html")
        for name in paper.authors:
            entry.author(name=xml_text(name) or "unknown")
        for category in paper.categories:
            entry.category(term=xml_text(category))
        abstract = xml_text(to_plain_text(paper.abstract))
        if fmt == "atom":
            entry.summary(abstract, type="text")
        else:
            entry.description(html.escape(abstract, quote=False))
        if paper.published_at:
            entry.published(paper.published_at)
        entry.updated(_entry_time(paper, now))
    body = feed.atom_str(pretty=True) if fmt == "atom" else feed.rss_str(pretty=True)
    return Response(body, media_type=CONTENT_TYPES[fmt], headers={"Cache-Control": FEED_CACHE})


@router.get("/daily.{fmt}", summary="Today's papers (the latest day with any), by upvotes")
def daily_feed(fmt: Format, session: ReadSession, settings: SettingsDep, now: NowDep) -> Response:
    page = feed_page(session, None, now=now, limit=settings.page_size)
    return render_feed(
        fmt,
        page.papers,
        settings=settings,
        title=f"Daily Papers – {page.period.label}",
        description="The papers of the day, ranked by the community's upvotes.",
        page="/",
        self_path=f"/feeds/daily.{fmt}",
        now=now,
    )


@router.get("/trending.{fmt}", summary="Trending papers: time-decayed upvotes")
def trending_feed(
    fmt: Format, session: ReadSession, settings: SettingsDep, now: NowDep
) -> Response:
    as_of = trending_as_of(session, now=now, half_life=half_life(settings))
    ranked, _total = trending(
        session, as_of=as_of.at, half_life=half_life(settings), limit=settings.page_size
    )
    if as_of.idle:  # docs/votes.md#idle-instances
        title = f"Trending papers as of {as_of.label}"
        description = (
            f"What the community was upvoting as of {as_of.label}, the latest vote or new "
            "paper here (each upvote decays with time)."
        )
    else:
        title = "Trending papers"
        description = "What the community is upvoting now (each upvote decays with time)."
    return render_feed(
        fmt,
        [t.paper for t in ranked],
        settings=settings,
        title=title,
        description=description,
        page="/papers/trending",
        self_path=f"/feeds/trending.{fmt}",
        now=now,
    )


@router.get(
    "/search.{fmt}",
    summary="Papers matching a search, as on /search",
    dependencies=[IN_SEARCH_SLOT],
)
def search_feed(
    request: Request,
    fmt: Format,
    session: ReadSession,
    backend: SearchDep,
    semantic: SemanticDep,
    settings: SettingsDep,
    now: NowDep,
    asked: FeedSearchDep,
) -> Response:
    q = asked.query
    if parse_query(q).is_empty:
        raise InvalidInput("q is required: the words to search for, e.g. ?q=diffusion+models")
    results = run_request(
        session, backend, asked, default_mode=settings.search_mode, semantic=semantic
    )
    query = request.url.query
    return render_feed(
        fmt,
        results.papers,
        settings=settings,
        title=f"Search: {q.strip()}",
        description=f"Papers matching {q.strip()!r}, best match first.",
        page="/search?" + query,
        self_path=f"/feeds/search.{fmt}?" + query,
        now=now,
    )
