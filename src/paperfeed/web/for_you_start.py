"""``/for-you/start``: the cold start of a member with nothing yet to rank by.

They are offered the categories most papers came in lately (to follow) and a handful of
trending papers (to save into "Saved"), or an import of their BibTeX file (the import page),
all in one plain form. Until they pick something their for-you list is trending; picking, or
"Skip for now", marks the picks done (``reader_prefs.onboarded_at``) so the page stops
offering them. One transaction: an unknown category or paper changes nothing and says which.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, SettingsDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.collections import save_paper
from paperfeed.library.follows import follow_category
from paperfeed.library.prefs import get_prefs, set_prefs
from paperfeed.recommend.cold_start import cold_start_offer
from paperfeed.web.templating import render
from paperfeed.web.vote_pages import half_life

router = routing.router(tags=["for-you"], include_in_schema=False)

MAX_PICKS = 50  # per kind, per form: more is not a person picking
IMPORT_PAGE = "/library/import"


@router.get("/for-you/start", response_class=HTMLResponse)
def start_page(
    request: Request, session: PrimaryRead, settings: SettingsDep, now: NowDep, user: CurrentUser
):
    """Categories to follow and papers to save, for a member starting from nothing."""
    context = {
        "now": now,
        "offer": cold_start_offer(session, now=now, half_life=half_life(settings)),
        "prefs": get_prefs(session, user.id),
        "import_page": IMPORT_PAGE,
    }
    response = render(request, "for_you_start.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/for-you/start", dependencies=[Depends(rate_limited("cold-start"))])
def start_picks(
    session: WriteSession,
    user: CurrentUser,
    now: NowDep,
    category: Annotated[list[str], Form(max_length=MAX_PICKS)] = [],  # noqa: B006
    paper: Annotated[list[str], Form(max_length=MAX_PICKS)] = [],  # noqa: B006
    action: Annotated[str, Form(max_length=8)] = "pick",
):
    """Follow the picked categories, save the picked papers; or skip. Then /for-you."""
    if action not in ("pick", "skip"):
        raise InvalidInput("action must be 'pick' or 'skip'")
    if action == "pick":
        for code in dict.fromkeys(category):
            follow_category(session, user.id, code, now=now)
        for arxiv_id in dict.fromkeys(paper):
            save_paper(session, user.id, arxiv_id, now=now)
    set_prefs(session, user.id, onboarded=True, now=now)
    response = RedirectResponse("/for-you", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
