"""JSON API of the community: submit a paper, read and write comments.

Writes need a signed-in caller: ``Authorization: Bearer <token>`` (no CSRF token needed), or
the browser's session cookie with the ``X-CSRF-Token`` header. Errors use the one envelope
``{"ok": false, "error": ..., "status": ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from paperfeed.api.schemas import ErrorOut, PaperOut, UserOut, hf_timestamp
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import NowDep, PrimarySessions, ReadSession, SettingsDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service import comments, submissions
from paperfeed.service.comments import CommentView
from paperfeed.service.views import UserView

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 429, 502)
}

router = routing.router(prefix="/api", tags=["community"], responses=ERRORS)


class SubmitIn(BaseModel):
    """Hugging Face has no public schema for this; every spelling clients use is accepted."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    arxivId: str | None = Field(None, max_length=300, description="2406.12345 or an arXiv URL")
    paperId: str | None = Field(None, max_length=300)
    paper_id: str | None = Field(None, max_length=300)
    id: str | None = Field(None, max_length=300)

    def text(self) -> str:
        for value in (self.arxivId, self.paperId, self.paper_id, self.id):
            if value:
                return value
        raise InvalidInput('Send the paper as JSON: {"arxivId": "2406.12345"}.')


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    body: str = Field(description="Markdown", max_length=comments.MAX_BODY * 2)
    parentId: int | None = Field(None, ge=1, description="the comment replied to")


class CommentEdit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    body: str = Field(description="Markdown", max_length=comments.MAX_BODY * 2)


class CommentOut(BaseModel):
    id: int
    paperId: str
    parentId: int | None = None
    author: UserOut | None = Field(None, description="absent for placeholders")
    createdAt: str
    editedAt: str | None = None
    deleted: bool
    hidden: bool
    body: str = Field(description="the Markdown source (empty for placeholders)")
    html: str = Field(description="rendered and sanitized by an allow-list")
    replies: list[CommentOut] = []

    @classmethod
    def from_view(cls, view: CommentView) -> CommentOut:
        return cls(
            id=view.id,
            paperId=view.paper_id,
            parentId=view.parent_id,
            author=UserOut.from_user(UserView(username=view.author) if view.author else None),
            createdAt=hf_timestamp(view.created_at) or "",
            editedAt=hf_timestamp(view.edited_at),
            deleted=view.deleted,
            hidden=view.hidden,
            body=view.body,
            html=view.html,
            replies=[cls.from_view(r) for r in view.replies],
        )


class ThreadOut(BaseModel):
    count: int = Field(description="comments that are not placeholders, on all pages")
    comments: list[CommentOut] = Field(description="this page's top-level threads, with replies")
    page: int = Field(description="1-based")
    pages: int
    threads: int = Field(description="top-level threads on all pages")
    next: str | None = Field(None, description="the next page's URL (absent on the last page)")


@router.post(
    "/papers/submit",
    response_model=PaperOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Submit a paper to today's feed",
    dependencies=[Depends(rate_limited("submit"))],
)
def submit_paper(
    sessions: PrimarySessions,
    account: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    payload: Annotated[SubmitIn, Body()],
) -> PaperOut:
    """Body ``{"arxivId": "2406.12345"}`` (an id or URL; ``paperId``, ``paper_id`` and ``id``
    are accepted too). 201 with the paper when it was added to today's feed; 200 with the
    paper when it was already in the feed (it is never added twice). Both carry
    ``Location: /papers/<id>``. 400 for a bad id or a paper too old, 404 when arXiv does not
    know it, 429 past the daily cap or the rate limit, 502 when arXiv cannot be reached."""
    done = submissions.submit_paper(
        sessions,
        submissions.arxiv_lookup(settings),
        payload.text(),
        account,
        rules=submissions.Rules.from_settings(settings),
        now=now,
    )
    response.headers["Location"] = done.url
    if not done.created:
        response.status_code = 200
    return PaperOut.from_view(done.paper)


@router.get(
    "/papers/{arxiv_id:arxiv_id}/comments",
    response_model=ThreadOut,
    response_model_exclude_none=True,
    summary="A paper's comments, threaded",
)
def list_comments(
    session: ReadSession,
    viewer: OptionalUser,
    arxiv_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ThreadOut:
    """Oldest first at each level, 50 top-level threads (with all their replies) a page;
    ``next`` links the next page. Deleted or hidden comments with replies appear as
    placeholders (``deleted`` / ``hidden`` true, no author, empty ``body``)."""
    found = comments.thread_page(session, arxiv_id, viewer, page=page)
    return ThreadOut(
        count=found.count,
        comments=[CommentOut.from_view(v) for v in found.threads],
        page=found.page,
        pages=found.pages,
        threads=found.total_threads,
        next=(
            f"/api/papers/{found.threads[0].paper_id}/comments?page={found.page + 1}"
            if found.page < found.pages
            else None
        ),
    )


@router.post(
    "/papers/{arxiv_id:arxiv_id}/comments",
    response_model=CommentOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Comment on a paper, or reply to a comment",
    dependencies=[Depends(rate_limited("comment"))],
)
def add_comment(
    session: WriteSession,
    account: CurrentUser,
    now: NowDep,
    arxiv_id: str,
    payload: Annotated[CommentIn, Body()],
) -> CommentOut:
    """Body ``{"body": "Markdown", "parentId": 12}`` (``parentId`` to reply)."""
    view = comments.add_comment(
        session, arxiv_id, account, payload.body, now=now, parent_id=payload.parentId
    )
    return CommentOut.from_view(view)


@router.patch(
    "/comments/{comment_id}",
    response_model=CommentOut,
    response_model_exclude_none=True,
    summary="Edit your comment",
    dependencies=[Depends(rate_limited("comment"))],
)
def edit_comment(
    session: WriteSession,
    account: CurrentUser,
    now: NowDep,
    comment_id: int,
    payload: Annotated[CommentEdit, Body()],
) -> CommentOut:
    view = comments.edit_comment(session, comment_id, account, payload.body, now=now)
    return CommentOut.from_view(view)


@router.delete("/comments/{comment_id}", summary="Delete your comment")
def delete_comment(
    session: WriteSession, account: CurrentUser, now: NowDep, comment_id: int
) -> dict[str, Any]:
    """A comment with replies stays as a "[deleted]" placeholder; one without is removed."""
    comments.delete_comment(session, comment_id, account, now=now)
    return {"ok": True, "deleted": comment_id}
