"""``POST`` / ``DELETE /api/papers/{id}/save``: the one-click Save of cards and paper pages
(app.js sends it with fetch), and ``GET /api/papers/{id}/saved``: which of the caller's
collections hold a paper.

Both writes are idempotent: they say which state they want, so a double click or a retried
call changes nothing. Without ``collectionId`` a save goes to the default collection
"Saved" (made on first use) and an unsave takes the paper out of every collection of the
caller (the card's button shows "saved" for any of them). Bearer token, or the cookie plus
``X-CSRF-Token``; rate limited (bucket ``library``). Unknown or hidden paper: 404; another
member's collection: 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from paperfeed.api.library_schemas import SaveOut
from paperfeed.api.schemas import ErrorOut
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, ReadSession, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.collections import (
    collections_holding,
    save_paper,
    unsave_paper,
)
from paperfeed.service.papers import visible_paper_id

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 429)
}
router = routing.router(prefix="/api", tags=["library"], responses=ERRORS)

Target = Annotated[
    int | None, Query(alias="collectionId", ge=1, description='default: your "Saved"')
]


def _answer(session, user_id: int, state) -> SaveOut:
    return SaveOut.of(state, collections_holding(session, user_id, state.paper_id))


@router.post(
    "/papers/{paper_id:arxiv_id}/save",
    response_model=SaveOut,
    dependencies=[Depends(rate_limited("library"))],
    summary="Save a paper",
)
def save(
    session: WriteSession, user: CurrentUser, now: NowDep, paper_id: str, collection: Target = None
) -> SaveOut:
    """Save ``paper_id`` into ``collectionId`` (default "Saved"); a second save changes
    nothing."""
    state = save_paper(session, user.id, paper_id, now=now, collection_id=collection)
    return _answer(session, user.id, state)


@router.delete(
    "/papers/{paper_id:arxiv_id}/save",
    response_model=SaveOut,
    dependencies=[Depends(rate_limited("library"))],
    summary="Unsave a paper",
)
def unsave(
    session: WriteSession, user: CurrentUser, now: NowDep, paper_id: str, collection: Target = None
) -> SaveOut:
    """Take ``paper_id`` out of ``collectionId``, or out of all your collections without
    it; nothing happens if it was not there."""
    state = unsave_paper(session, user.id, paper_id, now=now, collection_id=collection)
    return _answer(session, user.id, state)


class SavedOut(BaseModel):
    id: str = Field(description="arXiv id without version")
    saved: bool
    collections: list[int] = Field(description="your collections holding the paper")


@router.get(
    "/papers/{paper_id:arxiv_id}/saved",
    response_model=SavedOut,
    summary="Which of your collections hold a paper",
)
def saved(session: ReadSession, user: CurrentUser, paper_id: str) -> SavedOut:
    """Whether you have saved ``paper_id``, and in which of your collections."""
    pid, bare = visible_paper_id(session, paper_id)
    holding = collections_holding(session, user.id, pid)
    return SavedOut(id=bare, saved=bool(holding), collections=holding)
