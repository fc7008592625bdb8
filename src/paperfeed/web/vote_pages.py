"""Upvote forms and the trending page.

``POST /papers/{id}/upvote`` is the form of every vote button: it works without JavaScript
(303 back to the page it came from, a local path only) and app.js sends the same vote to the
JSON endpoint instead (api/vote_routes.py). The form says which state it wants (``action`` =
``up`` or ``down``), so sending it twice changes nothing. Anonymous readers are sent to log in
and come back to the page. CSRF is checked app-wide; votes are rate limited per member.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import OptionalUser
from paperfeed.http.deps import NowDep, ReadSession, SettingsDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service.trending import trending, trending_as_of
from paperfeed.service.votes import set_vote
from paperfeed.settings import Settings
from paperfeed.web.account_forms import safe_next
from paperfeed.web.feedback_state import my_feedback
from paperfeed.web.pages import FEED_CACHE, my_upvotes
from paperfeed.web.save_control import my_saved
from paperfeed.web.templating import render

router = routing.router(tags=["votes"], include_in_schema=False)

ACTIONS = {"up": True, "down": False}


def half_life(settings: Settings) -> timedelta:
    return timedelta(hours=settings.trending_half_life_hours)


def _label(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours % 24 == 0:
        days = int(hours // 24)
        return "day" if days == 1 else f"{days} days"
    return f"{hours:g} hours"


@router.get("/papers/trending", response_class=HTMLResponse)
def trending_page(
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    now: NowDep,
    p: Annotated[int, Query(ge=1, le=1_000)] = 1,
):
    """Feed papers ranked by time-decayed upvotes (docs/votes.md#trending)."""
    size = settings.page_size
    as_of = trending_as_of(session, now=now, half_life=half_life(settings))
    ranked, total = trending(
        session, as_of=as_of.at, half_life=half_life(settings), limit=size, offset=(p - 1) * size
    )
    papers = [t.paper for t in ranked]
    context = {
        "now": now,
        "as_of": as_of,
        "trending_page": True,
        "papers": papers,
        "total": total,
        "page": p,
        "pages": max(1, -(-total // size)),
        "page_url": lambda n: "/papers/trending" + (f"?p={n}" if n > 1 else ""),
        "half_life_label": _label(half_life(settings)),
        "upvoted": my_upvotes(request, session, papers),
        "saved": my_saved(request, session, papers),
        "feedback": my_feedback(request, session, papers),
    }
    api_params = {"sort": "trending", **({"p": p - 1, "limit": size} if p > 1 else {})}
    api = "/api/daily_papers?" + urlencode(api_params)
    return render(request, "trending.html", context, alternate=api, cache=FEED_CACHE)


@router.post("/papers/{arxiv_id:arxiv_id}/upvote", dependencies=[Depends(rate_limited("vote"))])
def upvote_form(
    session: WriteSession,
    arxiv_id: str,
    user: OptionalUser,
    now: NowDep,
    action: Annotated[str, Form(max_length=8)] = "up",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    """Set the reader's upvote from a plain HTML form, then go back (303)."""
    back = safe_next(next or f"/papers/{arxiv_id}")  # a local path, never another site
    if user is None:
        return RedirectResponse("/login?" + urlencode({"next": back}), status_code=303)
    if action not in ACTIONS:
        raise InvalidInput("action must be 'up' or 'down'")
    set_vote(session, user.id, arxiv_id, up=ACTIONS[action], now=now)
    response = RedirectResponse(back, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
