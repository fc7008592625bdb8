"""JSON API of authorship claims and moderation: the same service calls as the forms of the
paper page and of /admin (service/authors.py, service/moderation.py).

Least privilege: a member claims authorship and reads their own claims; everything under
``/api/admin`` needs the admin role (``AdminUser``: 401 without a caller, 403 for members and
banned accounts), and the service functions check the role again, so no route can skip it.
Every admin action is logged with the form's actions in ``admin_actions``. Callers use a
Bearer token, or the session cookie with the ``X-CSRF-Token`` header. Errors use the one
envelope ``{"ok": false, "error": ..., "status": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from paperfeed.api.schemas import ErrorOut, hf_timestamp
from paperfeed.http import routing
from paperfeed.http.auth import AdminUser, CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service import authors, moderation
from paperfeed.service.authors import ClaimView

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 429)
}

router = routing.router(prefix="/api", tags=["moderation"], responses=ERRORS)


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    author: str = Field(
        max_length=authors.MAX_NAME * 2, description="one of the paper's author names"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: Literal["approve", "reject"]
    reason: str | None = Field(None, max_length=moderation.MAX_REASON * 2)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: str | None = Field(
        None, max_length=moderation.MAX_REASON * 2, description="kept in the admin log"
    )


class ClaimOut(BaseModel):
    id: int
    user: str
    paperId: str
    title: str
    author: str = Field(description="the author name as the paper lists it")
    status: Literal["pending", "approved", "rejected"]
    createdAt: str

    @classmethod
    def of(cls, view: ClaimView) -> ClaimOut:
        return cls(
            id=view.id,
            user=view.username,
            paperId=view.arxiv_id,
            title=view.title,
            author=view.author_name,
            status=view.status,
            createdAt=hf_timestamp(view.created_at) or "",
        )


class ActionOut(BaseModel):
    ok: bool = True
    action: str = Field(description="what was done, as the admin log names it")
    target: str = Field(description="the paper's arXiv id, the comment id or the username")


class LogEntryOut(BaseModel):
    id: int
    admin: str
    action: str
    targetType: str
    target: str
    reason: str | None = None
    createdAt: str


# ---------------------------------------------------------------- claims


@router.post(
    "/papers/{arxiv_id:arxiv_id}/claims",
    response_model=ClaimOut,
    status_code=201,
    summary="Claim to be one of a paper's authors",
    dependencies=[Depends(rate_limited("claim"))],
)
def claim(
    session: WriteSession,
    arxiv_id: str,
    account: CurrentUser,
    now: NowDep,
    payload: Annotated[ClaimIn, Body()],
) -> ClaimOut:
    """A pending claim; an admin approves or rejects it. 400 if the name is not one of the
    paper's authors, 404 for an unknown paper, 409 if claimed before or taken."""
    view = authors.claim_authorship(session, account, arxiv_id, payload.author, now=now)
    return ClaimOut.of(view)


@router.get("/claims", response_model=list[ClaimOut], summary="Your authorship claims")
def my_claims(session: PrimaryRead, account: CurrentUser) -> list[ClaimOut]:
    return [ClaimOut.of(v) for v in authors.claims_of(session, account.id)]


@router.get("/admin/claims", response_model=list[ClaimOut], summary="Pending claims (admins)")
def pending_claims(session: PrimaryRead, admin: AdminUser) -> list[ClaimOut]:
    return [ClaimOut.of(v) for v in authors.pending_claims(session)]


@router.post(
    "/admin/claims/{claim_id}", response_model=ClaimOut, summary="Approve or reject a claim"
)
def decide_claim(
    session: WriteSession,
    claim_id: str,
    admin: AdminUser,
    now: NowDep,
    payload: Annotated[DecisionIn, Body()],
) -> ClaimOut:
    """404 for an unknown claim, 409 if it was decided already or the name is taken."""
    view = authors.decide_claim(
        session, admin, claim_id, payload.decision == "approve", reason=payload.reason, now=now
    )
    return ClaimOut.of(view)


# ---------------------------------------------------------------- moderation

# (path, action as logged, service call (session, admin, target, *, reason, now) -> target)
Action = Callable[..., str]


def _comment_hidden(hidden: bool) -> Action:
    def call(session, admin, target, **kwargs) -> str:
        moderation.set_comment_hidden(session, admin, target, hidden, **kwargs)
        return target  # the comment id (the service answers with its paper)

    return call


ACTIONS: list[tuple[str, str, Action]] = [
    ("/admin/papers/{target:arxiv_id}/hide", "hide paper",
     lambda s, a, t, **k: moderation.set_paper_hidden(s, a, t, True, **k)),
    ("/admin/papers/{target:arxiv_id}/unhide", "unhide paper",
     lambda s, a, t, **k: moderation.set_paper_hidden(s, a, t, False, **k)),
    ("/admin/papers/{target:arxiv_id}/feature", "feature paper",
     lambda s, a, t, **k: moderation.set_featured(s, a, t, True, **k)),
    ("/admin/papers/{target:arxiv_id}/unfeature", "unfeature paper",
     lambda s, a, t, **k: moderation.set_featured(s, a, t, False, **k)),
    ("/admin/comments/{target}/hide", "hide comment", _comment_hidden(True)),
    ("/admin/comments/{target}/unhide", "unhide comment", _comment_hidden(False)),
    ("/admin/users/{target}/ban", "ban user", moderation.ban_user),
    ("/admin/users/{target}/unban", "unban user", moderation.unban_user),
]  # fmt: skip


def _action_route(path: str, action: str, call: Action) -> None:
    def act(
        session: WriteSession,
        target: str,
        admin: AdminUser,
        now: NowDep,
        payload: Annotated[ReasonIn | None, Body()] = None,
    ) -> ActionOut:
        reason = payload.reason if payload else None
        done = call(session, admin, target, reason=reason, now=now)
        return ActionOut(action=action, target=str(done))

    act.__name__ = "api_" + action.replace(" ", "_")
    act.__doc__ = f'Admins: {action}. Optional body ``{{"reason": "..."}}``; logged.'
    router.add_api_route(
        path, act, methods=["POST"], response_model=ActionOut, summary=action.capitalize()
    )


for _path, _action, _call in ACTIONS:
    _action_route(_path, _action, _call)


@router.get("/admin/log", response_model=list[LogEntryOut], summary="The admin action log")
def action_log(session: PrimaryRead, admin: AdminUser) -> list[LogEntryOut]:
    actions = moderation.recent_actions(session)
    return [
        LogEntryOut(
            id=a.id,
            admin=a.admin,
            action=a.action,
            targetType=a.target_type,
            target=a.target,
            reason=a.reason,
            createdAt=hf_timestamp(a.created_at) or "",
        )
        for a in actions
    ]
