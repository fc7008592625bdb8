"""``/for-you``: a member's own ranking of the recent papers (docs/for-you-pages.md), the form
that sets its window, mix and "hide papers I have seen", and the form behind the feedback
buttons of every card ("more like this", "not interested", undo).

Every control is a plain form that works without JavaScript: it posts, the server stores the
change and answers 303 back to the page (a local path only). ``static/for_you.js`` sends the
same changes to the JSON API (``/api/prefs``, ``/api/feedback/{id}``) and updates the page
in place. A "not interested" card is hidden at once; the page then says so with an Undo
button (``?hidden=<id>``), which clears the feedback. CSRF is checked app-wide; every write is
rate limited per member. The page reads on the primary: it is what a member sees right after
each of these writes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.digest.personal import personal_digests
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import NowDep, PrimaryRead, SettingsDep, VectorDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.feedback import (
    KINDS,
    NOT_INTERESTED,
    clear_feedback,
    set_feedback,
)
from paperfeed.library.prefs import WINDOWS, get_prefs, set_prefs
from paperfeed.recommend.for_you import for_you
from paperfeed.service.papers import get_paper
from paperfeed.web.account_forms import safe_next
from paperfeed.web.feedback_state import my_feedback
from paperfeed.web.pages import my_upvotes
from paperfeed.web.save_control import my_saved
from paperfeed.web.templating import render
from paperfeed.web.vote_pages import half_life

router = routing.router(tags=["for-you"], include_in_schema=False)

PRIVATE = "private, no-store"  # a member's own page: never in a shared cache
CLEAR = "clear"  # the feedback form's undo


def mix_percent(mix: float) -> int:
    """The slider's value: the personal share in percent (100 only mine, 0 only the
    community)."""
    return round(mix * 100)


@router.get("/for-you", response_class=HTMLResponse)
def for_you_page(
    request: Request,
    session: PrimaryRead,
    vectors: VectorDep,
    settings: SettingsDep,
    now: NowDep,
    user: CurrentUser,
    p: Annotated[int, Query(ge=1, le=1_000)] = 1,
    hidden: Annotated[str | None, Query(max_length=64)] = None,
):
    """The member's for-you list with their stored window, mix and hide-seen option."""
    prefs = get_prefs(session, user.id)
    size = settings.page_size
    page = for_you(
        session,
        vectors,
        user_id=user.id,
        now=now,
        days=prefs.days,
        mix=prefs.mix,
        hide_seen=prefs.hide_seen,
        limit=size,
        offset=(p - 1) * size,
        half_life=half_life(settings),
    )
    papers = [item.paper for item in page.items]
    context = {
        "now": now,
        "page_data": page,
        "prefs": prefs,
        "windows": WINDOWS,
        "mix_percent": mix_percent(prefs.mix),
        "feedback": my_feedback(request, session, papers),
        "upvoted": my_upvotes(request, session, papers),
        "saved": my_saved(request, session, papers),
        "undo": _hidden_paper(session, hidden),
        "digest": personal_digests(session, user.id)["for-you"],
        "page": p,
        "pages": max(1, -(-page.total // size)),
        "page_url": lambda n: "/for-you" + (f"?p={n}" if n > 1 else ""),
    }
    api = "/api/for-you" + (f"?{urlencode({'offset': (p - 1) * size})}" if p > 1 else "")
    response = render(request, "for_you.html", context, alternate=api)
    response.headers["Cache-Control"] = PRIVATE
    return response


def _hidden_paper(session, hidden: str | None):
    """The paper just marked "not interested" (for the Undo notice), if it is one."""
    if not hidden:
        return None
    try:
        bare, _version = parse_arxiv_id(hidden)
        return get_paper(session, bare)
    except (InvalidInput, NotFound):  # an edited or stale link shows no notice
        return None


def _back(next_path: str, fragment: str | None = None, **params: str) -> str:
    """``next_path`` (a local path, else /for-you) with ``params`` added to its query."""
    parts = urlsplit(safe_next(next_path or "/for-you"))
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(("", "", parts.path, query, fragment or parts.fragment))


def _see_other(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/for-you/settings", dependencies=[Depends(rate_limited("prefs"))])
def for_you_settings(
    session: WriteSession,
    user: CurrentUser,
    now: NowDep,
    mix: Annotated[int, Form(ge=0, le=100)],
    days: Annotated[int, Form()],
    hide_seen: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    """Store the window, the mix (the personal share in percent) and hide-seen; 303 back."""
    set_prefs(session, user.id, mix=mix / 100, days=days, hide_seen=bool(hide_seen), now=now)
    return _see_other(_back(next))


@router.post(
    "/papers/{arxiv_id:arxiv_id}/feedback", dependencies=[Depends(rate_limited("feedback"))]
)
def feedback_form(
    session: WriteSession,
    arxiv_id: str,
    user: OptionalUser,
    now: NowDep,
    kind: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "",
):
    """ "More like this", "not interested" or undo (``kind=clear``) from a card's form."""
    if user is None:
        back = safe_next(next or "/for-you")
        return _see_other("/login?" + urlencode({"next": back}))
    if kind == CLEAR:
        state = clear_feedback(session, user.id, arxiv_id, now=now)
    elif kind in KINDS:
        state = set_feedback(session, user.id, arxiv_id, kind, now=now)
    else:
        raise InvalidInput(f"kind must be one of {', '.join((*KINDS, CLEAR))}")
    if kind == NOT_INTERESTED and urlsplit(_back(next)).path == "/for-you":
        return _see_other(_back(next, hidden=state.arxiv_id))  # the card is gone: Undo
    return _see_other(_back(next, fragment=f"paper-{state.arxiv_id}"))
