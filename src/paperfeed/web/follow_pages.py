"""Follows on the web: the Following page (``/following``), the page to manage follows
(``/follows``) and the forms behind every follow button (docs/follows.md).

``POST /follows`` is the form of every follow button: it works without JavaScript (303 back
to the page it came from, a local path only) and follows.js sends the same follow to the
JSON API instead (api/follow_routes.py). The form says which state it wants (``action`` =
``follow`` or ``unfollow``), so sending it twice changes nothing. Anonymous readers are sent
to log in and come back. CSRF is checked app-wide; follows are rate limited per member.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.digest.personal import personal_digests
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import NowDep, ReadSession, SearchDep, SemanticDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library import follows
from paperfeed.recommend.following import following_feed
from paperfeed.service.search_request import MODES
from paperfeed.web.account_forms import NO_STORE, safe_next
from paperfeed.web.templating import render

router = routing.router(tags=["follows"], include_in_schema=False)

DAYS = (1, 7, 30)
PAGE_SIZE = 20
NOTICES = {
    "followed": "Followed. New papers of it are on your Following page.",
    "unfollowed": "Unfollowed.",
}


def _no_store(response):
    response.headers["Cache-Control"] = NO_STORE
    return response


@router.get("/following", response_class=HTMLResponse)
def following_page(
    request: Request,
    session: ReadSession,
    backend: SearchDep,
    semantic: SemanticDep,
    account: CurrentUser,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=30)] = 7,
    p: Annotated[int, Query(ge=1, le=500)] = 1,
):
    """New papers of what the member follows, newest first, each saying which follows
    brought it; ``days``: the window (1, 7 or 30)."""
    if days not in DAYS:
        raise InvalidInput("days must be 1, 7 or 30")
    page = following_feed(
        session,
        backend,
        semantic,
        user_id=account.id,
        now=now,
        days=days,
        limit=PAGE_SIZE,
        offset=(p - 1) * PAGE_SIZE,
    )
    context = {
        "now": now,
        "page_data": page,
        "days": days,
        "day_options": DAYS,
        "digest": personal_digests(session, account.id)["following"],
        "page": p,
        "pages": max(1, -(-page.total // PAGE_SIZE)),
        "page_url": lambda n: (
            "/following?" + urlencode({"days": days, **({"p": n} if n > 1 else {})})
        ),
    }
    api = "/api/following?" + urlencode({"days": days, **({"p": p - 1} if p > 1 else {})})
    return _no_store(render(request, "following.html", context, alternate=api))


@router.get("/follows", response_class=HTMLResponse)
def manage_page(request: Request, session: ReadSession, account: CurrentUser, now: NowDep):
    """Everything the member follows, with an unfollow button each, and forms to follow
    an author, a category or a topic by typing it."""
    context = {
        "now": now,
        "follows": follows.list_follows(session, account.id),
        "max_follows": follows.MAX_FOLLOWS,
        "modes": MODES,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
    }
    return _no_store(render(request, "follows.html", context, alternate="/api/follows"))


@router.post("/follows", dependencies=[Depends(rate_limited("follow"))])
def follow_form(
    session: WriteSession,
    user: OptionalUser,
    now: NowDep,
    kind: Annotated[str, Form(max_length=16)] = "",
    value: Annotated[str, Form(max_length=1000)] = "",
    mode: Annotated[str, Form(max_length=16)] = "",
    action: Annotated[str, Form(max_length=16)] = "follow",
    follow_id: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    """Follow or unfollow from a plain HTML form, then go back (303)."""
    back = safe_next(next or "/follows")  # a local path, never another site
    if user is None:
        return RedirectResponse("/login?" + urlencode({"next": back}), status_code=303)
    if action == "follow":
        follows.follow(session, user.id, follows.thing_of(session, kind, value, mode), now=now)
        notice = "followed"
    elif action == "unfollow":
        if follow_id.strip():
            follows.unfollow(session, user.id, follow_id)
        else:
            follows.unfollow_thing(session, user.id, follows.thing_of(session, kind, value, mode))
        notice = "unfollowed"
    else:
        raise InvalidInput("action must be 'follow' or 'unfollow'")
    if back == "/follows":
        back = "/follows?notice=" + notice
    return _no_store(RedirectResponse(back, status_code=303))


@router.post("/follows/{follow_id}/delete", dependencies=[Depends(rate_limited("follow"))])
def unfollow_form(session: WriteSession, follow_id: str, account: CurrentUser):
    """The manage page's unfollow button; another member's follow is a 404."""
    follows.unfollow(session, account.id, follow_id)
    return _no_store(RedirectResponse("/follows?notice=unfollowed", status_code=303))
