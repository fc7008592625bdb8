"""The private Atom feed of a member's for-you list, at a revocable URL (docs/for-you-pages.md).

``POST /for-you/feed-url`` makes the URL (``action=new``; the page shows it once: only its
token's SHA-256 is stored, :mod:`paperfeed.library.feed_tokens`), replacing and so revoking
the one before, or turns it off (``action=off``). ``GET /for-you/feed/{token}.atom`` is the
feed: the same ranking as the page, with the member's stored window, mix and hide-seen, each
entry's summary starting with why it is there.

The feed is outside ``/feeds`` on purpose: the anonymous response cache keeps ``/feeds``
pages until the papers change, and a revoked URL must stop at the next request. The token is
looked up on the primary for the same reason (a replica may lag). An unknown, revoked or
malformed token is a 404, the same answer as for a URL that never existed.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.errors import InvalidInput, NotFound
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, SettingsDep, VectorDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.feed_tokens import (
    FEED_PATH,
    feed_owner,
    feed_url,
    new_feed_token,
    revoke_feed_token,
)
from paperfeed.library.prefs import get_prefs
from paperfeed.recommend.for_you import for_you
from paperfeed.web.feeds import render_feed
from paperfeed.web.templating import render
from paperfeed.web.vote_pages import half_life

router = routing.router(tags=["for-you"], include_in_schema=False)

# A feed reader may keep its copy but must ask again; no shared cache may keep it at all.
FEED_CACHE = "private, no-cache"


@router.post("/for-you/feed-url", dependencies=[Depends(rate_limited("feed-url"))])
def feed_url_form(
    request: Request,
    session: WriteSession,
    user: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=8)] = "new",
):
    """Make a new private feed URL (shown once, the old one stops) or turn it off."""
    if action == "off":
        revoke_feed_token(session, user.id, now=now)
        response = RedirectResponse("/for-you?feed=off#feed", status_code=303)
    elif action == "new":
        token = new_feed_token(session, user.id, now=now)
        context = {"now": now, "feed_url": feed_url(settings.base_url, token)}
        response = render(request, "for_you_feed_url.html", context)
    else:
        raise InvalidInput("action must be 'new' or 'off'")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(FEED_PATH, summary="A member's for-you list as Atom (private URL)")
def for_you_feed(
    token: str, session: PrimaryRead, vectors: VectorDep, settings: SettingsDep, now: NowDep
) -> Response:
    user_id = feed_owner(session, token)
    if user_id is None:
        raise NotFound("No feed at this address (it may have been turned off or replaced).")
    prefs = get_prefs(session, user_id)
    page = for_you(
        session,
        vectors,
        user_id=user_id,
        now=now,
        days=prefs.days,
        mix=prefs.mix,
        hide_seen=prefs.hide_seen,
        limit=settings.page_size,
        offset=0,
        half_life=half_life(settings),
    )
    papers = []
    for item in page.items:
        why = item.reason.text if item.reason else ""
        text = f"{why}.\n\n{item.paper.abstract}" if why else item.paper.abstract
        papers.append(dataclasses.replace(item.paper, abstract=text))
    response = render_feed(
        "atom",
        papers,
        settings=settings,
        title="For you",
        description=f"Recent papers (the last {prefs.days} days) ranked for one reader.",
        page="/for-you",
        self_path=FEED_PATH.format(token=token),
        now=now,
    )
    response.headers["Cache-Control"] = FEED_CACHE
    response.headers["X-Robots-Tag"] = "noindex"
    return response
