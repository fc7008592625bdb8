"""``GET /api/organizations/{name}/papers``: an organization's papers as daily-paper items
(paperfeed extension, the JSON twin of ``/organizations/{name}``; docs/hf-fields.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response

from paperfeed.api.paging import link_next_page
from paperfeed.api.schemas import DailyPaperOut, ErrorOut
from paperfeed.http import routing
from paperfeed.http.deps import ReadSession, SettingsDep
from paperfeed.service.organizations import organization_papers

router = routing.router(prefix="/api", tags=["papers"], responses={400: {"model": ErrorOut}})
MAX_PAGE = 100_000


@router.get(
    "/organizations/{name}/papers",
    response_model=list[DailyPaperOut],
    response_model_exclude_none=True,
    responses={404: {"model": ErrorOut}},
    summary="Papers of a Hugging Face organization",
)
def organization_paper_list(
    session: ReadSession,
    settings: SettingsDep,
    response: Response,
    name: str,
    p: Annotated[int, Query(ge=0, le=MAX_PAGE, description="Page index, from 0.")] = 0,
    limit: Annotated[
        int, Query(ge=1, description="Page size; values above api_max_limit are capped.")
    ] = 50,
) -> list[DailyPaperOut]:
    """The visible papers Hugging Face lists under organization ``name``, newest on the feed
    first. ``X-Total-Count`` has the total; ``Link: <...>; rel="next"`` names the next page.
    404 for an organization no paper is listed under."""
    limit = min(limit, settings.api_max_limit)
    found = organization_papers(session, name, limit=limit, offset=p * limit)
    response.headers["X-Total-Count"] = str(found.total)
    path = f"/api/organizations/{quote(found.organization.name, safe='')}/papers"
    link_next_page(
        response, settings.base_url, path, {},
        offset=p * limit, limit=limit, total=found.total, max_offset=MAX_PAGE * limit,
    )  # fmt: skip
    return [DailyPaperOut.from_view(v) for v in found.papers]
