"""``/organizations/{name}``: a Hugging Face organization's papers (docs/hf-fields.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from paperfeed.http import routing
from paperfeed.http.deps import ReadSession, SettingsDep
from paperfeed.service.organizations import organization_papers
from paperfeed.web.feedback_state import my_feedback
from paperfeed.web.pages import my_upvotes
from paperfeed.web.save_control import my_saved
from paperfeed.web.templating import render

router = routing.router(tags=["organizations"], include_in_schema=False)

PAGE_CACHE = "public, max-age=60"


@router.get("/organizations/{name}", response_class=HTMLResponse)
def organization_page(
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    name: str,
    p: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = settings.page_size
    found = organization_papers(session, name, limit=size, offset=(p - 1) * size)
    path = f"/organizations/{quote(found.organization.name, safe='')}"
    api_params = {"p": str(p - 1), "limit": str(size)} if p > 1 else {}
    api = f"/api{path}/papers" + (f"?{urlencode(api_params)}" if api_params else "")
    context = {
        "org": found.organization,
        "papers": found.papers,
        "total": found.total,
        "page": p,
        "pages": max(1, -(-found.total // size)),
        "page_url": lambda n: path + (f"?p={n}" if n > 1 else ""),
        "upvoted": my_upvotes(request, session, found.papers),
        "saved": my_saved(request, session, found.papers),
        "feedback": my_feedback(request, session, found.papers),
    }
    return render(request, "organization.html", context, alternate=api, cache=PAGE_CACHE)
