"""Server-rendered HTML pages: the daily feed, paper pages, search.

Every page works without JavaScript and links to its JSON twin under ``/api``. Templates get
plain values (PaperView dataclasses, strings, dates), never sessions or ORM objects.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.http import routing
from paperfeed.http.auth import get_auth
from paperfeed.http.deps import (
    NowDep,
    PassagesDep,
    ReadSession,
    SearchDep,
    SemanticDep,
    SettingsDep,
)
from paperfeed.http.negotiation import prefers_markdown
from paperfeed.http.search_slots import IN_SEARCH_SLOT
from paperfeed.service.bibtex import bibtex
from paperfeed.service.comment_threads import ThreadPage
from paperfeed.service.comments import MAX_BODY as COMMENT_MAX
from paperfeed.service.feed import feed_page
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.paper_page import paper_page
from paperfeed.service.periods import Period, day_period, month_period, parse_period, week_period
from paperfeed.service.views import PaperView
from paperfeed.service.votes import upvoted_among
from paperfeed.settings import Settings
from paperfeed.web.feedback_state import my_feedback
from paperfeed.web.follow_buttons import paper_buttons, search_buttons
from paperfeed.web.markdown_pages import markdown_response
from paperfeed.web.save_control import my_saved, save_panel
from paperfeed.web.search_form import PageSearchDep
from paperfeed.web.seen_recording import record_paper_seen
from paperfeed.web.templating import render

router = routing.router(tags=["pages"], include_in_schema=False)

FEED_CACHE = "public, max-age=60"
PAPER_CACHE = "public, max-age=300"
SUBMIT_NOTICES = {
    "submitted": "Thank you: the paper is on today's Daily Papers.",
    "already": "This paper is already in the Daily Papers; here it is.",
    "claimed": "Thank you: your authorship claim waits for an admin's approval.",
}

# ---------------------------------------------------------------- helpers


def paper_comments(request: Request, arxiv_id: str, threads: ThreadPage) -> dict[str, Any]:
    """The context of a page of the paper's comment threads, and the notice after a
    submission (``?notice=submitted|already``)."""
    notice = SUBMIT_NOTICES.get(request.query_params.get("notice", ""))
    return {
        "comments": threads.threads,
        "comment_pages": threads,
        "comment_page_url": lambda n: comment_page_url(arxiv_id, n),
        "comment_max": COMMENT_MAX,
        "notice": notice,
    }


def comment_page_url(arxiv_id: str, page: int) -> str:
    """Where page ``page`` of a paper's comments is (page 1 is the paper page itself)."""
    return f"/papers/{arxiv_id}" + (f"?comments_page={page}" if page > 1 else "") + "#comments"


def my_upvotes(request: Request, session: Session, papers) -> frozenset[str]:
    """The arXiv ids among ``papers`` (PaperViews) that the signed-in reader upvoted."""
    account = get_auth(request).account
    ids = (p.arxiv_id for p in papers if isinstance(p, PaperView))
    return upvoted_among(session, account.id if account else None, ids)


def period_url(period: Period, page: int = 1) -> str:
    params = dict([period.param])
    if page > 1:
        params["p"] = str(page)
    return "/papers?" + urlencode(params)


def period_tabs(period: Period, today: date) -> list[dict[str, Any]]:
    """Day / Week / Month links for the period being shown (the last day of a week or month,
    capped at today, stands for it in the day view)."""
    last = min(period.end - timedelta(days=1), today)
    if last < period.start:
        last = period.start
    options = [
        ("Day", day_period(last if period.kind != "day" else period.start)),
        ("Week", week_period(period.start if period.kind != "month" else last)),
        ("Month", month_period(period.start.year, period.start.month)),
    ]
    return [
        {"label": label, "url": period_url(p), "current": p.kind == period.kind}
        for label, p in options
    ]


# ---------------------------------------------------------------- feed


def _feed(
    request: Request,
    session: Session,
    settings: Settings,
    now: datetime,
    period: Period | None,
    page: int,
) -> HTMLResponse:
    size = settings.page_size
    feed = feed_page(session, period, now=now, limit=size, offset=(page - 1) * size)
    pages = max(1, -(-feed.total // size))
    shown = feed.period
    api_params = {**dict([shown.param]), "sort": "upvotes"}
    if page > 1:
        api_params.update(p=str(page - 1), limit=str(size))
    api = "/api/daily_papers?" + urlencode(api_params)
    context = {
        "now": now,
        "feed": feed,
        "period": shown,
        "page": page,
        "pages": pages,
        "tabs": period_tabs(shown, now.date()),
        "previous_url": period_url(feed.previous) if feed.previous else None,
        "next_url": period_url(feed.next) if feed.next else None,
        "page_url": lambda n: period_url(shown, n),
        "upvoted": my_upvotes(request, session, feed.papers),
        "saved": my_saved(request, session, feed.papers),
        "feedback": my_feedback(request, session, feed.papers),
    }
    return render(request, "feed.html", context, alternate=api, cache=FEED_CACHE)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: ReadSession, settings: SettingsDep, now: NowDep):
    """Today's papers, or those of the latest day that has any."""
    return _feed(request, session, settings, now, None, 1)


@router.get("/papers", response_class=HTMLResponse)
def papers(
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    now: NowDep,
    day: Annotated[str | None, Query(alias="date", max_length=64)] = None,
    week: Annotated[str | None, Query(max_length=64)] = None,
    month: Annotated[str | None, Query(max_length=64)] = None,
    p: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    """The feed of a day (``date=2026-11-20``), ISO week (``week=2026-W47``) or month."""
    period = parse_period(day, week, month)
    return _feed(request, session, settings, now, period, p)


@router.get("/papers/date/{value}", include_in_schema=False)
@router.get("/papers/week/{value}", include_in_schema=False)
@router.get("/papers/month/{value}", include_in_schema=False)
def hf_period_path(request: Request, value: str):
    """Hugging Face's path-style feed URLs (``/papers/date/2026-11-20``) -> ours."""
    kind = request.url.path.split("/")[2]  # date, week or month: our query parameter names
    return RedirectResponse("/papers?" + urlencode({kind: value}), status_code=301)


# ---------------------------------------------------------------- paper page


@router.get(
    "/papers/{arxiv_id:arxiv_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(record_paper_seen)],  # for-you's "hide papers I have seen"
)
def paper(
    request: Request,
    arxiv_id: str,
    session: ReadSession,
    now: NowDep,
    comments_page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """One paper; versioned or non-canonical ids redirect to ``/papers/<bare id>``.
    ``comments_page``: which page of its comment threads is shown. ``Accept: text/markdown``
    gets the paper's Markdown instead (web/markdown_pages.py). The settings and the vector
    index are read off ``app.state`` here, not declared: each declared dependency is a step
    of FastAPI's solver on every view of the site's most viewed page (docs/benchmarks.md,
    the paper page's fourth pass, for what that was worth)."""
    state = request.app.state
    bare, _version = parse_arxiv_id(arxiv_id)  # well-formed: the route's convertor took it
    if bare != arxiv_id:
        return RedirectResponse(f"/papers/{bare}", status_code=301)
    if prefers_markdown(request.headers.get("accept")):
        return markdown_response(request, session, state.settings, bare, vary=True)
    viewer = get_auth(request).account
    # NotFound if hidden or past the last comment page
    shown = paper_page(session, state.vector_index, bare, viewer, comments_page=comments_page)
    view = shown.paper
    context = {"now": now, "paper": view, "bibtex": bibtex(view), "similar": shown.similar}
    context["upvoted"] = my_upvotes(request, session, [view])
    context["saved"] = my_saved(request, session, [view])
    context.update(save_panel(request, session, bare))  # the "Save to" collections
    context["claimed"] = shown.claimed  # author name -> username
    context.update(paper_buttons(request, session, view))  # follow its authors, categories
    context.update(paper_comments(request, bare, shown.comments))
    response = render(
        request, "paper.html", context, alternate=f"/api/papers/{bare}", cache=PAPER_CACHE
    )
    response.headers["Vary"] = "Accept"  # the Markdown variant is served at this URL too
    response.headers["Link"] += f', </papers/{bare}.md>; rel="alternate"; type="text/markdown"'
    return response


# ---------------------------------------------------------------- search


@router.get("/search", response_class=HTMLResponse, dependencies=[IN_SEARCH_SLOT])
def search_page(
    request: Request,
    session: ReadSession,
    backend: SearchDep,
    passages: PassagesDep,
    semantic: SemanticDep,
    settings: SettingsDep,
    now: NowDep,
    asked: PageSearchDep,
) -> Response:
    """Papers of every date matching ``q``; an arXiv id or URL opens that paper."""
    q, filters = asked.query, asked.filters
    size = asked.limit
    p = asked.offset // size + 1
    results = run_search(
        session,
        backend,
        asked,
        default_mode=settings.search_mode,
        semantic=semantic,
        passages=passages,
    )
    if results.exact_id:
        return RedirectResponse(f"/papers/{results.exact_id}", status_code=302)
    params = asked.query_params()
    api_params = {**params, **({"p": p - 1} if p > 1 else {})}
    context = {
        "now": now,
        "q": q,
        "filters": filters,
        "mode": asked.mode_or(settings.search_mode).value,
        "fulltext": asked.fulltext,
        "fulltext_available": passages is not None,
        "results": results,
        "page": p,
        "pages": max(1, -(-results.total // size)),
        "page_url": lambda n: "/search?" + urlencode({**params, **({"p": n} if n > 1 else {})}),
        "upvoted": my_upvotes(request, session, results.papers),
        "saved": my_saved(request, session, results.papers),
        "feedback": my_feedback(request, session, results.papers),
    }
    context["follow_buttons"] = search_buttons(request, session, asked, context["mode"])
    api = "/api/papers/search?" + urlencode(api_params or {"q": ""})
    return render(request, "search.html", context, alternate=api)
