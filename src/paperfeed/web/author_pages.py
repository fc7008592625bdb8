"""Authors on the web: claim a paper (a form on the paper page) and the member's page,
``/users/{username}``, listing the papers of their approved claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, ReadSession, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service import authors
from paperfeed.web.follow_buttons import member_button
from paperfeed.web.templating import render

router = routing.router(tags=["authors"], include_in_schema=False)


@router.post(
    "/papers/{arxiv_id:arxiv_id}/claim",
    response_class=HTMLResponse,
    dependencies=[Depends(rate_limited("claim"))],
)
def claim(
    session: WriteSession,
    arxiv_id: str,
    account: CurrentUser,
    now: NowDep,
    author: Annotated[str, Form(max_length=authors.MAX_NAME * 2)] = "",
) -> Response:
    """Problems (not an author of the paper, claimed twice, unknown paper) are error pages
    with their 4xx status; success goes back to the paper with a notice."""
    view = authors.claim_authorship(session, account, arxiv_id, author, now=now)
    return RedirectResponse(f"/papers/{view.arxiv_id}?notice=claimed", status_code=303)


@router.get("/users/{username}", response_class=HTMLResponse)
def user_page(request: Request, username: str, session: ReadSession) -> Response:
    page = authors.author_page(session, username)
    button = member_button(request, session, page.username)
    return render(request, "user.html", {"author": page, "follow_button": button})
