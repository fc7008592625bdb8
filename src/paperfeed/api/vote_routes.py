"""``POST`` / ``DELETE /api/papers/{id}/upvote``: upvote a paper, or take the upvote back.

Hugging Face has no documented upvote endpoint for API clients, so these follow its path
style (``/api/papers/{id}/...``). Both are idempotent and answer the paper's new count and
whether the caller has upvoted it. Callers authenticate with ``Authorization: Bearer`` (no
CSRF token needed) or with the session cookie plus an ``X-CSRF-Token`` header (what app.js
sends). Without either: 401. Unknown or hidden paper: 404; not an arXiv id: 400.
"""

from __future__ import annotations

from fastapi import Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from paperfeed.api.schemas import ErrorOut
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service.votes import VoteState, set_vote

router = routing.router(
    prefix="/api",
    tags=["votes"],
    responses={status: {"model": ErrorOut} for status in (400, 401, 403, 404, 429)},
)


class UpvoteOut(BaseModel):
    id: str = Field(description="arXiv id without version")
    upvotes: int = Field(description="the paper's count after this request")
    upvoted: bool = Field(description="whether the caller has upvoted the paper now")

    @classmethod
    def of(cls, state: VoteState) -> UpvoteOut:
        return cls(id=state.arxiv_id, upvotes=state.upvotes, upvoted=state.upvoted)


def _vote(session: Session, user_id: int, paper_id: str, up: bool, now) -> UpvoteOut:
    return UpvoteOut.of(set_vote(session, user_id, paper_id, up=up, now=now))


@router.post(
    "/papers/{paper_id:arxiv_id}/upvote",
    response_model=UpvoteOut,
    dependencies=[Depends(rate_limited("vote"))],
    summary="Upvote a paper",
)
def upvote(session: WriteSession, paper_id: str, user: CurrentUser, now: NowDep) -> UpvoteOut:
    """Upvote ``paper_id``; a second upvote changes nothing."""
    return _vote(session, user.id, paper_id, True, now)


@router.delete(
    "/papers/{paper_id:arxiv_id}/upvote",
    response_model=UpvoteOut,
    dependencies=[Depends(rate_limited("vote"))],
    summary="Take back an upvote",
)
def remove_upvote(
    session: WriteSession, paper_id: str, user: CurrentUser, now: NowDep
) -> UpvoteOut:
    """Remove the caller's upvote of ``paper_id`` (nothing happens if there was none)."""
    return _vote(session, user.id, paper_id, False, now)
