"""The Save control of every card and paper page, and its plain form.

``POST /papers/{id}/save`` is the form of every Save button: it works without JavaScript
(303 back to the page it came from, a local path only) and app.js sends the same request to
the JSON endpoint instead (api/save_routes.py), updating the button in place. The form says
which state it wants (``action`` = ``save`` or ``unsave``), so sending it twice changes
nothing. Without ``collection_id`` a save goes to "Saved" and an unsave takes the paper out
of every collection; the paper page's panel names a collection. Anonymous readers are sent
to log in and come back. CSRF is checked app-wide; saves are rate limited per member.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import OptionalUser, get_auth
from paperfeed.http.deps import NowDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.collection_edits import list_collections
from paperfeed.library.collections import (
    collections_holding,
    save_paper,
    saved_arxiv_ids_among,
    unsave_paper,
)
from paperfeed.service.papers import visible_paper_id
from paperfeed.service.views import PaperView
from paperfeed.web.account_forms import safe_next

router = routing.router(tags=["library"], include_in_schema=False)

ACTIONS = ("save", "unsave")


def my_saved(request: Request, session: Session, papers) -> frozenset[str]:
    """The arXiv ids among ``papers`` (PaperViews) that the signed-in reader has saved: the
    ``saved`` of a page's context, which the cards' Save buttons read."""
    account = get_auth(request).account
    ids = (p.arxiv_id for p in papers if isinstance(p, PaperView))
    return saved_arxiv_ids_among(session, account.id if account else None, ids)


def save_panel(request: Request, session: Session, arxiv_id: str) -> dict[str, Any]:
    """The paper page's "Save to" panel: the reader's collections and those holding the
    paper (nothing for an anonymous reader)."""
    account = get_auth(request).account
    if account is None:
        return {}
    paper_id, _bare = visible_paper_id(session, arxiv_id)
    return {
        "my_collections": list_collections(session, account.id),
        "holding": set(collections_holding(session, account.id, paper_id)),
    }


def _collection_id(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 19:
        raise InvalidInput("collection_id must be a collection's number")
    return int(value)


@router.post("/papers/{arxiv_id:arxiv_id}/save", dependencies=[Depends(rate_limited("library"))])
def save_form(
    session: WriteSession,
    arxiv_id: str,
    user: OptionalUser,
    now: NowDep,
    action: Annotated[str, Form(max_length=8)] = "save",
    collection_id: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    """Save the paper (or not) from a plain HTML form, then go back (303)."""
    back = safe_next(next or f"/papers/{arxiv_id}")  # a local path, never another site
    if user is None:
        return RedirectResponse("/login?" + urlencode({"next": back}), status_code=303)
    if action not in ACTIONS:
        raise InvalidInput("action must be 'save' or 'unsave'")
    target = _collection_id(collection_id)
    if action == "save":
        save_paper(session, user.id, arxiv_id, now=now, collection_id=target)
    else:
        unsave_paper(session, user.id, arxiv_id, now=now, collection_id=target)
    response = RedirectResponse(back, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
