"""The tools anyone may call: search, daily, trending, paper, read, similar.

Each calls the service function the pages and the JSON API call (search through the one
search-request parser, the feed page's ``feed_page``, the trending page's ``trending``,
``get_paper``, ``similar_papers``); what differs is only the shape of the answer
(:mod:`paperfeed.mcp.outputs`). Descriptions are written for an agent choosing a tool: what
it is for, when to use another, what each argument means and its limits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from paperfeed.mcp.calls import Calls
from paperfeed.mcp.outputs import (
    DailyOut,
    Paper,
    PaperDetail,
    SearchOut,
    SearchPaper,
    SimilarOut,
    TrendingOut,
)
from paperfeed.service.feed import feed_page
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.paper_markdown import paper_markdown
from paperfeed.service.papers import get_paper
from paperfeed.service.periods import Period, parse_period
from paperfeed.service.search_request import (
    MAX_OFFSET,
    Mode,
    Paging,
    parse_search_request,
    whole_number,
)
from paperfeed.service.similar import MAX_SIMILAR, similar_papers
from paperfeed.service.trending import trending, trending_as_of

MAX_PAGE = 50  # papers per call: a page an agent can read
SEARCH_PAGING = Paging(default_limit=10, max_limit=MAX_PAGE)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)

PaperId = Annotated[
    str,
    Field(
        description="An arXiv id (2406.12345, 2406.12345v2, hep-th/9901001) or an arXiv / "
        "Hugging Face paper URL.",
        max_length=200,
    ),
]
Limit = Annotated[int, Field(description=f"How many papers, 1 to {MAX_PAGE}.")]
Offset = Annotated[
    int, Field(description=f"Papers to skip, for the next page (0 to {MAX_OFFSET}).")
]

SEARCH = """Search every paper on this site, of any date, by words and by meaning.

Use it to find papers on a topic, by an author or in a category. For the papers of one day,
week or month use `daily`; for what is popular now use `trending`; for one paper you know
the id of use `paper`. An arXiv id or URL as the query returns that paper alone.

mode: "hybrid" (default on most sites: words and meaning fused), "keyword" (the words, for
names and exact terms; "quoted phrases" match as phrases) or "semantic" (meaning only, for a
question or a description). Filters: category (arXiv category such as cs.CL), author (words
of an author's name), date_from / date_to (publication day, YYYY-MM-DD, inclusive).
fulltext: true also matches inside the papers' full text where the site has fetched it, and
gives each such hit the passage and section that matched (`fulltext_match`).
Results are best first; `total` says how many match, page on with offset. Abstracts are cut
at 600 characters: call `paper` for the whole one, `read` for the paper as Markdown."""

DAILY = """The daily feed: the papers put on the site's feed on a day, a week or a month.

Give at most one of date (YYYY-MM-DD), week (ISO week, YYYY-Www, e.g. 2026-W47) or month
(YYYY-MM). With none, the latest day that has papers (usually today). sort: "upvotes" (the
feed's order: featured papers first, then most upvoted), "publishedAt" (newest on the feed
first) or "trending" (time-decayed upvotes). `previous` and `next` name the neighbouring
periods with papers, to walk the feed day by day."""

TRENDING = """Papers trending now: feed papers ranked by upvotes that decay with age, so
recent attention counts most. Use it for "what is popular this week"; use `daily` for one
day's feed and `search` for a topic. On an idle site (no recent votes or papers) it is judged
as of the last activity and says so (`idle`, `as_of`)."""

PAPER = """One paper by arXiv id: title, authors, the whole abstract, dates, categories,
upvotes, links (arXiv, PDF, code, project page). Not found: an error saying so. For the
paper's text as Markdown use `read`; for related work use `similar`."""

READ = """The whole paper as one Markdown document: title, authors, date, links and
abstract, and the full text with sections and math ($...$) where this site has it (else the
abstract only). Use it to read or quote a paper; use `paper` for its details as data."""

SIMILAR = """Papers nearest in meaning to one paper (by their embeddings), most similar
first, never the paper itself. An empty list with a `notice` when the paper is not embedded
yet or the site has search by meaning turned off. limit: 1 to 50."""


def register(server: MCPServer, calls: Calls) -> None:
    """Add the reading tools to ``server``."""
    _add_search(server, calls)
    _add_daily(server, calls)
    _add_trending(server, calls)
    _add_paper(server, calls)
    _add_similar(server, calls)
    _add_read(server, calls)


def _add_search(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="search", description=SEARCH, annotations=READ_ONLY)
    def search(
        ctx: Context,
        query: Annotated[str, Field(description='Words, "a phrase", or an arXiv id.')],
        mode: Literal["hybrid", "keyword", "semantic"] | None = None,
        category: Annotated[str | None, Field(description="e.g. cs.CL")] = None,
        author: Annotated[str | None, Field(description="words of an author's name")] = None,
        date_from: Annotated[str | None, Field(description="YYYY-MM-DD")] = None,
        date_to: Annotated[str | None, Field(description="YYYY-MM-DD")] = None,
        limit: Limit = 10,
        offset: Offset = 0,
        fulltext: Annotated[bool, Field(description="match inside full texts too")] = False,
    ) -> SearchOut:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url

        def body(session, _caller, _now) -> SearchOut:
            asked = parse_search_request(
                query,
                mode=mode,
                category=category,
                author=author,
                date_from=date_from,
                date_to=date_to,
                limit=str(limit),
                offset=str(offset),
                fulltext=fulltext,
                paging=SEARCH_PAGING,
            )
            wanted = asked.mode_or(settings.search_mode)
            semantic = None if wanted is Mode.KEYWORD else runtime.semantic
            found = run_search(
                session,
                runtime.search,
                asked,
                default_mode=settings.search_mode,
                semantic=semantic,
                passages=runtime.passages if asked.fulltext else None,
            )
            return SearchOut(
                query=found.query,
                mode=found.mode.value,
                notice=found.notice,
                total=found.total,
                offset=asked.offset,
                papers=SearchPaper.found(found.papers, found.passages, base),
            )

        return calls.read(ctx, body)


def _add_daily(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="daily", description=DAILY, annotations=READ_ONLY)
    def daily(
        ctx: Context,
        date: Annotated[str | None, Field(description="a day, YYYY-MM-DD")] = None,
        week: Annotated[str | None, Field(description="an ISO week, YYYY-Www")] = None,
        month: Annotated[str | None, Field(description="a month, YYYY-MM")] = None,
        sort: Literal["upvotes", "publishedAt", "trending"] = "upvotes",
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> DailyOut:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url
        return calls.read(
            ctx, lambda s, _c, now: daily_page(s, now, base, date, week, month, sort, limit, offset)
        )


def _add_trending(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="trending", description=TRENDING, annotations=READ_ONLY)
    def trending_now(ctx: Context, limit: Limit = 20, offset: Offset = 0) -> TrendingOut:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url
        half_life = timedelta(hours=settings.trending_half_life_hours)

        def body(session, _caller, now) -> TrendingOut:
            size, skip = page_window(limit, offset)
            as_of = trending_as_of(session, now=now, half_life=half_life)
            ranked, total = trending(
                session, as_of=as_of.at, half_life=half_life, limit=size, offset=skip
            )
            return TrendingOut(
                as_of=as_of.at.isoformat(timespec="seconds"),
                idle=as_of.idle,
                total=total,
                offset=skip,
                papers=Paper.listed([t.paper for t in ranked], base),
            )

        return calls.read(ctx, body)


def _add_paper(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="paper", description=PAPER, annotations=READ_ONLY)
    def paper(ctx: Context, id: PaperId) -> PaperDetail:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url
        return calls.read(ctx, lambda s, _c, _n: PaperDetail.of_view(get_paper(s, id), base))


def _add_similar(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="similar", description=SIMILAR, annotations=READ_ONLY)
    def similar(ctx: Context, id: PaperId, limit: Limit = 10) -> SimilarOut:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url

        def body(session, _caller, _now) -> SimilarOut:
            size = whole_number("limit", limit, 1, min(MAX_PAGE, MAX_SIMILAR))
            found = similar_papers(session, runtime.vector_index, id, size)
            papers = Paper.listed(found.papers, base)
            return SimilarOut(id=found.paper.arxiv_id, notice=found.notice, papers=papers)

        return calls.read(ctx, body)


def _add_read(server: MCPServer, calls: Calls) -> None:
    @server.tool(name="read", description=READ, annotations=READ_ONLY)
    def read(ctx: Context, id: PaperId) -> str:
        runtime = calls.runtime(ctx)
        settings = runtime.settings
        base = settings.base_url
        return calls.read(ctx, lambda s, _c, _n: paper_markdown(s, id, base_url=base))


def page_window(limit: int, offset: int) -> tuple[int, int]:
    """A page's limit and offset, checked with the search parameters' messages."""
    return whole_number("limit", limit, 1, MAX_PAGE), whole_number("offset", offset, 0, MAX_OFFSET)


def daily_page(session, now, base, date, week, month, sort, limit, offset) -> DailyOut:
    """The feed page's papers (``service.feed.feed_page``, as ``/`` and ``/papers`` show
    them) for the daily tool and the daily resource."""
    size, skip = page_window(limit, offset)
    feed = feed_page(
        session, parse_period(date, week, month), now=now, sort=sort, limit=size, offset=skip
    )
    return DailyOut(
        period=feed.period.label,
        start=feed.period.start.isoformat(),
        end=(feed.period.end - timedelta(days=1)).isoformat(),
        sort=sort,
        total=feed.total,
        offset=skip,
        previous=_param(feed.previous),
        next=_param(feed.next),
        papers=Paper.listed(feed.papers, base),
    )


def _param(period: Period | None) -> str | None:
    return period.param[1] if period else None
