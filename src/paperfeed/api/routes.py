"""The JSON API under ``/api``: same paths, parameters and field names as huggingface.co/api.

Every route calls the service layer the HTML pages use and only turns its values into
:mod:`paperfeed.api.schemas`. Errors (bad parameters: 400, unknown paper: 404) are rendered
as ``{"ok": false, "error": ..., "status": ...}`` by :mod:`paperfeed.http.errors`.

``limit`` larger than ``settings.api_max_limit`` is capped silently, not rejected: clients
written for HF ask for whatever page size they like, and a shorter page is still correct.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Query, Response

from paperfeed.api.hf_params import MAX_PAGE, hf_int, hf_period
from paperfeed.api.paging import link_next_page, next_link
from paperfeed.api.schemas import DailyPaperOut, ErrorOut, PaperOut
from paperfeed.http import routing
from paperfeed.http.deps import (
    NowDep,
    PassagesDep,
    ReadSession,
    SearchDep,
    SemanticDep,
    SettingsDep,
    VectorDep,
)
from paperfeed.http.search_params import SearchParamsDep
from paperfeed.http.search_slots import IN_SEARCH_SLOT
from paperfeed.service import feed, papers
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.search_request import MAX_OFFSET, Paging
from paperfeed.service.similar import MAX_SIMILAR, similar_papers
from paperfeed.service.trending import trending_as_of

ERRORS = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}}

router = routing.router(prefix="/api", tags=["papers"], responses={400: {"model": ErrorOut}})

Limit = Annotated[
    int,
    Query(ge=1, description="Page size; values above the instance's api_max_limit are capped."),
]


# The daily feed's page and size are raw strings, read as HF reads them, with HF's error
# messages (api/hf_params.py).
HfPage = Annotated[str | None, Query(description="Page index, from 0 (default 0).")]
HfLimit = Annotated[
    str | None, Query(description="Page size, default 50; values above api_max_limit are capped.")
]
DailySort = Annotated[
    Literal["publishedAt", "trending", "upvotes"],
    Query(
        description="Newest on the feed first (HF's default), trending (time-decayed "
        "upvotes, docs/votes.md), or most upvoted."
    ),
]
Submitter = Annotated[
    str | None,
    Query(
        max_length=64, pattern=r"^[^\x00-\x1f]*$", description="Only papers this user submitted."
    ),
]


def _cap(limit: int, max_limit: int) -> int:
    return min(limit, max_limit)


@router.get(
    "/daily_papers",
    response_model=list[DailyPaperOut],
    response_model_exclude_none=True,
    summary="Papers on the daily feed",
)
def daily_papers(
    session: ReadSession,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    p: HfPage = None,
    limit: HfLimit = None,
    date: Annotated[
        str | None, Query(description="A feed day, YYYY-MM-DD (or an ISO timestamp).")
    ] = None,
    week: Annotated[str | None, Query(description="An ISO week, YYYY-Www.")] = None,
    month: Annotated[str | None, Query(description="A month, YYYY-MM.")] = None,
    sort: DailySort = "publishedAt",
    submitter: Submitter = None,
) -> list[DailyPaperOut]:
    """Daily papers of a day, week or month (all days when none is given), paged with ``p``.

    The total number of matching papers is sent in the ``X-Total-Count`` header, and the
    next page, while there is one, in ``Link: <...>; rel="next"``. With ``sort=trending``,
    ``X-Trending-As-Of`` says when trending was judged (ISO 8601): now, a past period's
    end, or an idle instance's latest activity (docs/votes.md#idle-instances).
    """
    period = hf_period(date, week, month)
    page = hf_int("p", p, default=0, minimum=0, maximum=MAX_PAGE)
    size = hf_int("limit", limit, default=50, minimum=1)  # capped, not refused: see top
    limit_ = _cap(size, settings.api_max_limit)
    half_life = timedelta(hours=settings.trending_half_life_hours)
    as_of = None
    if sort == "trending":
        as_of = trending_as_of(session, now=now, half_life=half_life, period=period)
        # A header, not a field: HF's body is a bare list, and its clients read only that.
        response.headers["X-Trending-As-Of"] = as_of.at.isoformat(timespec="seconds")
    views, total = feed.list_entries(
        session,
        period=period,
        now=now,
        sort=sort,
        limit=limit_,
        offset=page * limit_,
        submitter=submitter or None,
        half_life=half_life,
        trending_at=as_of,
    )
    response.headers["X-Total-Count"] = str(total)
    params = {**(dict([period.param]) if period else {}), "sort": sort, "submitter": submitter}
    link_next_page(
        response, settings.base_url, "/api/daily_papers", params,
        offset=page * limit_, limit=limit_, total=total, max_offset=MAX_PAGE * limit_,
    )  # fmt: skip
    return [DailyPaperOut.from_view(v) for v in views]


@router.get(
    "/papers",
    response_model=list[PaperOut],
    response_model_exclude_none=True,
    summary="Every paper, newest first, with cursor pagination",
)
def list_all_papers(
    session: ReadSession,
    settings: SettingsDep,
    response: Response,
    cursor: Annotated[
        str | None, Query(description="The cursor from the previous page's Link header.")
    ] = None,
    limit: Limit = 50,
) -> list[PaperOut]:
    """Every visible paper, newest first. The next page is named by a ``Link: <...>;
    rel="next"`` header (as on HF's listing endpoints); the last page has none."""
    limit = _cap(limit, settings.api_max_limit)
    page = papers.list_papers(session, cursor=cursor, limit=limit)
    if page.next_cursor:
        # From base_url and the parameters this route reads, never the request's Host or
        # its other parameters: the response is cached and served to every reader (issue 12).
        params = {"cursor": page.next_cursor, "limit": limit}
        response.headers["Link"] = next_link(settings.base_url, "/api/papers", params)
    return [PaperOut.from_view(v) for v in page.papers]


@router.get(
    "/papers/search",
    response_model=list[DailyPaperOut],
    response_model_exclude_none=True,
    summary="Search all papers",
    dependencies=[IN_SEARCH_SLOT],
)
def search_papers(
    session: ReadSession,
    backend: SearchDep,
    passages: PassagesDep,
    semantic: SemanticDep,
    settings: SettingsDep,
    response: Response,
    params: SearchParamsDep,
    # Raw strings, read by the one search-parameter parser (service/search_request.py).
    limit: Annotated[
        str | None,
        Query(description="Page size, default 20; values above api_max_limit are capped."),
    ] = None,
    p: Annotated[str | None, Query(description="Page index, from 0 (paperfeed only).")] = None,
) -> list[DailyPaperOut]:
    """Papers of any date matching ``q``, best first, as daily-paper items (as on HF).

    An arXiv id returns that paper alone. ``mode``, ``category``, ``author``, ``from`` and
    ``to`` are paperfeed extensions. Headers: ``X-Total-Count`` (matches, for paging),
    ``X-Search-Mode`` (the mode that ranked these results) and, when that differs from the
    mode asked for (search by meaning not ready or unavailable), ``X-Search-Notice`` (why).
    """
    paging = Paging(default_limit=20, max_limit=settings.api_max_limit, cap_limit=True)
    asked = params.request(paging, page=p, limit=limit)
    results = run_search(
        session,
        backend,
        asked,
        default_mode=settings.search_mode,
        semantic=semantic,
        passages=passages,
    )
    response.headers["X-Total-Count"] = str(results.total)
    link_next_page(
        response, settings.base_url, "/api/papers/search", asked.query_params(),
        offset=asked.offset, limit=asked.limit, total=results.total, max_offset=MAX_OFFSET,
    )  # fmt: skip
    response.headers["X-Search-Mode"] = results.mode.value
    if results.notice:
        response.headers["X-Search-Notice"] = results.notice
    return [DailyPaperOut.from_view(v, results.passages.get(v.arxiv_id)) for v in results.papers]


@router.get(
    "/papers/{paper_id:arxiv_id}/similar",
    response_model=list[DailyPaperOut],
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Papers similar in meaning to a paper",
)
def similar(
    session: ReadSession,
    vectors: VectorDep,
    response: Response,
    paper_id: str,
    limit: Annotated[int, Query(ge=1, le=MAX_SIMILAR, description="How many papers.")] = 10,
) -> list[DailyPaperOut]:
    """The papers nearest in meaning to ``paper_id`` (by their embeddings), most similar
    first, never the paper itself (paperfeed extension). An empty list with an
    ``X-Search-Notice`` header when the paper is not embedded yet; 404 for an unknown id."""
    result = similar_papers(session, vectors, paper_id, limit)
    if result.notice:
        response.headers["X-Search-Notice"] = result.notice
    return [DailyPaperOut.from_view(v) for v in result.papers]


@router.get(
    "/papers/{paper_id:arxiv_id}",
    response_model=PaperOut,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="One paper by arXiv id",
)
def paper_detail(session: ReadSession, paper_id: str) -> PaperOut:
    """A paper by arXiv id (``2511.01234``, with or without a version suffix)."""
    return PaperOut.from_view(papers.get_paper(session, paper_id))
