"""The for-you JSON API (docs/for-you-pages.md#api): the member's list, their settings, their
feedback on papers and their private feed URL.

- ``GET /api/for-you``: the ranked list; ``days``, ``mix`` and ``hide_seen`` default to the
  stored settings and, given, apply to this request only.
- ``GET`` / ``PATCH /api/prefs``: the stored settings (``mix`` 1.0 only mine, 0.0 only the
  community; ``days`` 1, 7 or 30; ``hide_seen``); a PATCH changes the fields it sends.
- ``GET /api/feedback``; ``PUT`` / ``DELETE /api/feedback/{id}``: "more like this" or
  "not interested" on a paper, and undoing it. Idempotent.
- ``POST`` / ``DELETE /api/for-you/feed-url``: a new private Atom feed URL (the old one stops
  at once) or none.

Callers authenticate with ``Authorization: Bearer`` or the session cookie plus
``X-CSRF-Token`` (what for_you.js sends); writes are rate limited per member. Without a
caller: 401; an unknown or hidden paper: 404; bad values: 400.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Query, Response
from pydantic import BaseModel, Field

from paperfeed.api.paging import link_next_page
from paperfeed.api.schemas import ErrorOut, PaperOut, hf_timestamp
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, SettingsDep, VectorDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.feed_tokens import feed_url, new_feed_token, revoke_feed_token
from paperfeed.library.feedback import clear_feedback, set_feedback
from paperfeed.library.feedback_list import feedback_page
from paperfeed.library.prefs import PrefsView, get_prefs, set_prefs
from paperfeed.recommend.for_you import ForYouItem, for_you

router = routing.router(
    prefix="/api",
    tags=["for-you"],
    responses={status: {"model": ErrorOut} for status in (400, 401, 403, 404, 429)},
)

Kind = Literal["more", "not_interested"]
MAX_OFFSET = 10_000
FEEDBACK_MAX_OFFSET = 100_000


class ReasonOut(BaseModel):
    kind: str = Field(description="saved | upvoted | more | follow | trending")
    label: str = Field(description="the saved paper's title or the follow's name")
    arxivId: str | None = Field(None, description="the library paper it is closest to")
    text: str = Field(description="the reason in a few words, as the page shows it")


class ForYouItemOut(BaseModel):
    paper: PaperOut
    score: float = Field(description="mix * personal + (1 - mix) * community (docs/for-you.md)")
    personal: float = Field(description="personal relevance, normalised to [0, 1]")
    community: float = Field(description="the community's trending signal, normalised to [0, 1]")
    reason: ReasonOut | None = None

    @classmethod
    def of(cls, item: ForYouItem) -> ForYouItemOut:
        reason = item.reason
        return cls(
            paper=PaperOut.from_view(item.paper),
            score=item.score,
            personal=item.personal,
            community=item.community,
            reason=None
            if reason is None
            else ReasonOut(
                kind=reason.kind,
                label=reason.label,
                arxivId=reason.arxiv_id,
                text=reason.text,
            ),
        )


class ForYouOut(BaseModel):
    items: list[ForYouItemOut]
    total: int = Field(description="how many papers are ranked in the window")
    coldStart: bool = Field(description="nothing to rank by yet: the list is trending")
    days: int
    mix: float
    asOf: str | None = Field(None, description="the time the window ends at (idle instances)")


class PrefsOut(BaseModel):
    mix: float = Field(description="1.0 only mine, 0.0 only the community")
    days: int = Field(description="the window: 1, 7 or 30 days")
    hideSeen: bool = Field(description="hide papers whose page the member opened")
    onboarded: bool = Field(description="whether the cold-start picks were made or skipped")
    hasFeedUrl: bool = Field(description="whether a private feed URL is on")

    @classmethod
    def of(cls, prefs: PrefsView) -> PrefsOut:
        return cls(
            mix=prefs.mix,
            days=prefs.days,
            hideSeen=prefs.hide_seen,
            onboarded=prefs.onboarded_at is not None,
            hasFeedUrl=prefs.has_feed_token,
        )


class PrefsIn(BaseModel):
    mix: float | None = Field(
        None, ge=0, le=1, description="1.0 only mine … 0.0 only the community"
    )
    days: int | None = Field(None, description="1, 7 or 30")
    hideSeen: bool | None = None


class FeedbackIn(BaseModel):
    kind: Kind


class FeedbackOut(BaseModel):
    id: str = Field(description="arXiv id without version")
    kind: Kind | None = Field(description="the member's feedback now (null: none)")


class FeedbackItemOut(FeedbackOut):
    title: str
    createdAt: str


class FeedbackListOut(BaseModel):
    items: list[FeedbackItemOut]
    total: int


class FeedUrlOut(BaseModel):
    url: str = Field(description="the private Atom feed; shown this once, keep it secret")


def _as_of(value) -> str | None:
    at = getattr(value, "at", value)  # a trending AsOf or a datetime
    return hf_timestamp(at) if isinstance(at, datetime) else None


@router.get("/for-you", response_model=ForYouOut, summary="Your for-you list")
def for_you_list(
    session: PrimaryRead,
    vectors: VectorDep,
    settings: SettingsDep,
    now: NowDep,
    user: CurrentUser,
    response: Response,
    days: Annotated[int | None, Query(description="1, 7 or 30 (default: stored)")] = None,
    mix: Annotated[float | None, Query(ge=0, le=1, description="default: stored")] = None,
    hide_seen: Annotated[bool | None, Query(description="default: stored")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ForYouOut:
    """Recent papers ranked for the caller: ``mix`` × personal relevance + (1 − ``mix``) ×
    the community's trending signal, each with the reason it is there. Papers the caller
    saved or marked "not interested" are left out. ``Link: <...>; rel="next"`` names the
    next page (docs/api.md#paging)."""
    prefs = get_prefs(session, user.id)
    page = for_you(
        session,
        vectors,
        user_id=user.id,
        now=now,
        **prefs.asked(days=days, mix=mix, hide_seen=hide_seen),
        limit=limit,
        offset=offset,
        half_life=timedelta(hours=settings.trending_half_life_hours),
    )
    params = {"days": days, "mix": mix, "hide_seen": hide_seen}  # as asked: this request only
    link_next_page(
        response, settings.base_url, "/api/for-you", params,
        offset=offset, limit=limit, total=page.total, max_offset=MAX_OFFSET, position="offset",
    )  # fmt: skip
    return ForYouOut(
        items=[ForYouItemOut.of(item) for item in page.items],
        total=page.total,
        coldStart=page.cold_start,
        days=page.days,
        mix=page.mix,
        asOf=_as_of(page.as_of),
    )


@router.get("/prefs", response_model=PrefsOut, summary="Your for-you settings")
def read_prefs(session: PrimaryRead, user: CurrentUser) -> PrefsOut:
    """Your stored mix, window and hide-seen option (the defaults until you change one),
    whether the cold-start picks are done and whether a private feed URL is on."""
    return PrefsOut.of(get_prefs(session, user.id))


@router.patch(
    "/prefs",
    response_model=PrefsOut,
    dependencies=[Depends(rate_limited("prefs"))],
    summary="Change your for-you settings",
)
def change_prefs(session: WriteSession, user: CurrentUser, now: NowDep, body: PrefsIn) -> PrefsOut:
    """Store the fields sent (the mix, the window, hide-seen); the others stay as they are."""
    prefs = set_prefs(
        session, user.id, mix=body.mix, days=body.days, hide_seen=body.hideSeen, now=now
    )
    return PrefsOut.of(prefs)


@router.get("/feedback", response_model=FeedbackListOut, summary="Your feedback on papers")
def list_feedback(
    session: PrimaryRead,
    user: CurrentUser,
    settings: SettingsDep,
    response: Response,
    kind: Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=FEEDBACK_MAX_OFFSET)] = 0,
) -> FeedbackListOut:
    """The papers you asked more of or are not interested in, newest first; ``Link``
    names the next page."""
    items, total = feedback_page(session, user.id, kind=kind, limit=limit, offset=offset)
    link_next_page(
        response, settings.base_url, "/api/feedback", {"kind": kind},
        offset=offset, limit=limit, total=total, max_offset=FEEDBACK_MAX_OFFSET,
        position="offset",
    )  # fmt: skip
    return FeedbackListOut(
        items=[
            FeedbackItemOut(
                id=i.arxiv_id, kind=i.kind, title=i.title, createdAt=hf_timestamp(i.created_at)
            )
            for i in items
        ],
        total=total,
    )


@router.put(
    "/feedback/{paper_id:arxiv_id}",
    response_model=FeedbackOut,
    dependencies=[Depends(rate_limited("feedback"))],
    summary="More like this, or not interested",
)
def put_feedback(
    session: WriteSession, paper_id: str, user: CurrentUser, now: NowDep, body: FeedbackIn
) -> FeedbackOut:
    """Set your feedback on ``paper_id`` (replacing the other kind). "not_interested" also
    hides the paper from your for-you list; "more" ranks papers like it higher."""
    state = set_feedback(session, user.id, paper_id, body.kind, now=now)
    return FeedbackOut(id=state.arxiv_id, kind=state.kind)


@router.delete(
    "/feedback/{paper_id:arxiv_id}",
    response_model=FeedbackOut,
    dependencies=[Depends(rate_limited("feedback"))],
    summary="Undo your feedback on a paper",
)
def delete_feedback(session: WriteSession, paper_id: str, user: CurrentUser, now: NowDep):
    """Remove your feedback on ``paper_id``; a paper you were not interested in comes back."""
    state = clear_feedback(session, user.id, paper_id, now=now)
    return FeedbackOut(id=state.arxiv_id, kind=None)


@router.post(
    "/for-you/feed-url",
    response_model=FeedUrlOut,
    dependencies=[Depends(rate_limited("feed-url"))],
    summary="Make a new private feed URL",
)
def make_feed_url(session: WriteSession, user: CurrentUser, settings: SettingsDep, now: NowDep):
    """A new private Atom feed URL of your for-you list; the one before stops at once."""
    return FeedUrlOut(url=feed_url(settings.base_url, new_feed_token(session, user.id, now=now)))


@router.delete(
    "/for-you/feed-url",
    status_code=204,
    dependencies=[Depends(rate_limited("feed-url"))],
    summary="Turn your private feed URL off",
)
def delete_feed_url(session: WriteSession, user: CurrentUser, now: NowDep) -> None:
    """Your private feed URL stops working at once."""
    revoke_feed_token(session, user.id, now=now)
