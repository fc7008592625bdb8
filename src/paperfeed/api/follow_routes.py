"""JSON API of follows: ``/api/follows`` (list, follow, read, unfollow) and the Following
feed, ``/api/following`` (docs/follows.md).

Every endpoint needs a signed-in caller: ``Authorization: Bearer <token>`` (no CSRF token
needed), or the browser's session cookie with the ``X-CSRF-Token`` header on writes (what
follows.js sends). Follows are the caller's alone: another member's follow id is a 404.
Writes are rate limited per member. Errors use the one envelope
``{"ok": false, "error": ..., "status": ...}``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from paperfeed.api.paging import link_next_page
from paperfeed.api.schemas import ErrorOut, PaperOut, hf_timestamp
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import (
    NowDep,
    ReadSession,
    SearchDep,
    SemanticDep,
    SettingsDep,
    WriteSession,
)
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library import follows
from paperfeed.library.follows import FollowView
from paperfeed.recommend.following import MAX_DAYS, MAX_LIMIT, FollowingPage, following_feed

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 429)
}

router = routing.router(prefix="/api", tags=["follows"], responses=ERRORS)
MAX_PAGE = 500
MAX_OFFSET = 10_000  # following_feed's largest offset


class FollowIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["author", "member", "category", "topic"] = Field(
        description="author: papers listing this name; member: the papers a member claimed "
        "(value = username); category: an arXiv category; topic: a saved search"
    )
    value: str = Field(
        max_length=1000,
        description="the author's name, the member's username, the category (cs.CL) or the "
        "search's words",
    )
    mode: Literal["hybrid", "keyword", "semantic"] | None = Field(
        None, description="topics: how the words are searched (default hybrid)"
    )


class FollowOut(BaseModel):
    id: int
    kind: str = Field(description="author, category or topic (a member follow is an author)")
    label: str = Field(description="what Following cards say brought a paper")
    key: str = Field(description="the normalised form two follows of one thing share")
    query: str | None = Field(None, description="topics: the words searched")
    mode: str | None = Field(None, description="topics: hybrid, keyword or semantic")
    member: str | None = Field(None, description="the claimed member's username, if any")
    url: str = Field(description="the page of the thing followed on this site (a path)")
    createdAt: str | None

    @classmethod
    def of(cls, view: FollowView) -> FollowOut:
        return cls(
            id=view.id,
            kind=view.kind,
            label=view.label,
            key=view.key,
            query=view.query,
            mode=view.mode,
            member=view.username,
            url=view.url,
            createdAt=hf_timestamp(view.created_at),
        )


class FollowsOut(BaseModel):
    follows: list[FollowOut]
    max: int = Field(description="how many things a member may follow")


class FollowingItemOut(BaseModel):
    paper: PaperOut
    because: list[str] = Field(description="labels of the follows that brought the paper")


class FollowingOut(BaseModel):
    items: list[FollowingItemOut]
    total: int = Field(description="papers brought in the window")
    days: int
    firstDay: date | None = Field(description="the window's first day (UTC), inclusive")
    lastDay: date | None = Field(description="the window's last day (UTC), inclusive")
    idle: bool = Field(description="true when the window ends with the newest paper's day")
    follows: int = Field(description="how many things the caller follows")

    @classmethod
    def of(cls, page: FollowingPage) -> FollowingOut:
        return cls(
            items=[
                FollowingItemOut(paper=PaperOut.from_view(i.paper), because=i.because)
                for i in page.items
            ],
            total=page.total,
            days=page.days,
            firstDay=page.first_day,
            lastDay=page.last_day,
            idle=page.idle,
            follows=page.follows,
        )


@router.get("/follows", response_model=FollowsOut, summary="List your follows")
def list_follows(session: ReadSession, user: CurrentUser) -> FollowsOut:
    """Everything the caller follows, oldest first."""
    found = follows.list_follows(session, user.id)
    return FollowsOut(follows=[FollowOut.of(f) for f in found], max=follows.MAX_FOLLOWS)


@router.post(
    "/follows",
    response_model=FollowOut,
    dependencies=[Depends(rate_limited("follow"))],
    summary="Follow an author, a member, a category or a topic",
)
def follow(
    session: WriteSession, body: FollowIn, user: CurrentUser, now: NowDep, response: Response
) -> FollowOut:
    """Idempotent: following the same thing again answers the existing follow (200); a new
    follow answers 201. 400 for a value that cannot be followed or past the limit; 404 for
    an unknown member."""
    thing = follows.thing_of(session, body.kind, body.value, body.mode)
    known = follows.followed_among(session, user.id, [thing])
    view = follows.follow(session, user.id, thing, now=now)
    response.status_code = 200 if (thing.kind, thing.key) in known else 201
    return FollowOut.of(view)


@router.get("/follows/{follow_id}", response_model=FollowOut, summary="Read one follow")
def get_follow(session: ReadSession, follow_id: str, user: CurrentUser) -> FollowOut:
    """One of the caller's follows; another member's (or no such) follow: 404."""
    return FollowOut.of(follows.get_follow(session, user.id, follow_id))


@router.delete(
    "/follows/{follow_id}",
    status_code=204,
    dependencies=[Depends(rate_limited("follow"))],
    summary="Unfollow",
)
def unfollow(session: WriteSession, follow_id: str, user: CurrentUser) -> Response:
    """Stop following; another member's (or no such) follow: 404."""
    follows.unfollow(session, user.id, follow_id)
    return Response(status_code=204)


@router.get("/following", response_model=FollowingOut, summary="Your Following feed")
def following(
    session: ReadSession,
    backend: SearchDep,
    semantic: SemanticDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    response: Response,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="The window in days.")] = 7,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 20,
    p: Annotated[int, Query(ge=0, le=MAX_PAGE, description="Page index, from 0.")] = 0,
) -> FollowingOut:
    """New papers of what the caller follows, newest first (arXiv publication time), each
    with the labels of the follows that brought it. The window is the last ``days`` days
    (UTC) ending today, or, on an idle instance, ending with the newest paper's day.
    ``Link: <...>; rel="next"`` names the next page."""
    page = following_feed(
        session,
        backend,
        semantic,
        user_id=user.id,
        now=now,
        days=days,
        limit=limit,
        offset=min(p * limit, MAX_OFFSET),
    )
    link_next_page(
        response, settings.base_url, "/api/following", {"days": days},
        offset=p * limit, limit=limit, total=page.total,
        max_offset=min(MAX_PAGE * limit, MAX_OFFSET),
    )  # fmt: skip
    return FollowingOut.of(page)
