"""Community forms: submit a paper (``/submit``), write, reply to, edit and delete comments.

Every form needs a signed-in user (anonymous readers are sent to log in) and a CSRF token
(checked app-wide). Problems re-render the form with the message and status 4xx; nothing is
written unless the whole use case succeeds. Success redirects (303) to the paper.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.errors import InvalidInput, PaperfeedError, RateLimited
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimarySessions, SettingsDep
from paperfeed.http.ratelimits import rate_limited
from paperfeed.service import comments, submissions
from paperfeed.store.db import session_scope
from paperfeed.web.templating import render

router = routing.router(tags=["community"], include_in_schema=False)

FormText = Annotated[str, Form()]
NO_STORE = "no-store"


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200):
    response = render(request, template, context, status_code=status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _error_page(request: Request, template: str, context: dict, exc: PaperfeedError) -> Response:
    response = _page(request, template, {**context, "error": exc.message}, exc.status)
    for key, value in (getattr(exc, "headers", None) or {}).items():
        response.headers[key] = value
    return response


# ---------------------------------------------------------------- submissions


def _submit_context(settings, arxiv: str = "") -> dict[str, Any]:
    return {
        "arxiv": arxiv[: submissions.MAX_INPUT],
        "max_age_days": settings.submission_max_age_days,
        "daily_cap": settings.submission_daily_cap,
    }


@router.get("/submit", response_class=HTMLResponse)
def submit_form(request: Request, account: CurrentUser, settings: SettingsDep):
    return _page(request, "submit.html", _submit_context(settings))


@router.post("/submit", response_class=HTMLResponse, dependencies=[Depends(rate_limited("submit"))])
def submit(
    request: Request,
    sessions: PrimarySessions,
    account: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    arxiv: FormText = "",
) -> Response:
    try:
        done = submissions.submit_paper(
            sessions,
            submissions.arxiv_lookup(settings),
            arxiv,
            account,
            rules=submissions.Rules.from_settings(settings),
            now=now,
        )
    except PaperfeedError as exc:
        return _error_page(request, "submit.html", _submit_context(settings, arxiv), exc)
    notice = "submitted" if done.created else "already"
    return RedirectResponse(f"{done.url}?notice={notice}", status_code=303)


# ---------------------------------------------------------------- comments


def _comment_error(request: Request, exc: PaperfeedError, **context: Any) -> Response:
    context.setdefault("heading", "Your comment was not saved")
    context.setdefault("comment_max", comments.MAX_BODY)
    if isinstance(exc, RateLimited) or exc.status in (403, 404):
        context["action"] = None  # nothing to retry here
    return _error_page(request, "comment_form.html", context, exc)


def _to_comment(arxiv_id: str, comment_id: int | None = None, page: int = 1) -> RedirectResponse:
    """To the comment, on the page of the discussion that shows it."""
    anchor = f"#comment-{comment_id}" if comment_id else "#comments"
    query = f"?comments_page={page}" if page > 1 else ""
    return RedirectResponse(f"/papers/{arxiv_id}{query}{anchor}", status_code=303)


def _parent(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("The comment replied to does not exist.")
    return int(value)


@router.post(
    "/papers/{arxiv_id:arxiv_id}/comments",
    response_class=HTMLResponse,
    dependencies=[Depends(rate_limited("comment"))],
)
def add_comment(
    request: Request,
    sessions: PrimarySessions,
    arxiv_id: str,
    account: CurrentUser,
    now: NowDep,
    body: FormText = "",
    parent_id: FormText = "",
) -> Response:
    action = f"/papers/{arxiv_id}/comments"
    try:
        with session_scope(sessions) as session:
            view = comments.add_comment(
                session, arxiv_id, account, body, now=now, parent_id=_parent(parent_id)
            )
            page = comments.page_of(session, view.id, account)
    except PaperfeedError as exc:
        return _comment_error(
            request,
            exc,
            arxiv_id=arxiv_id[:64],
            action=action,
            body=body[: comments.MAX_BODY * 2],
            parent_id=parent_id[:18],
            button="Comment",
        )
    return _to_comment(view.paper_id, view.id, page)


@router.post(
    "/comments/{comment_id}/edit",
    response_class=HTMLResponse,
    dependencies=[Depends(rate_limited("comment"))],
)
def edit_comment(
    request: Request,
    sessions: PrimarySessions,
    comment_id: int,
    account: CurrentUser,
    now: NowDep,
    body: FormText = "",
) -> Response:
    try:
        with session_scope(sessions) as session:
            view = comments.edit_comment(session, comment_id, account, body, now=now)
            page = comments.page_of(session, view.id, account)
    except PaperfeedError as exc:
        return _comment_error(
            request,
            exc,
            heading="Your edit was not saved",
            arxiv_id=_paper_of(sessions, comment_id),
            action=f"/comments/{comment_id}/edit",
            body=body[: comments.MAX_BODY * 2],
            button="Save",
        )
    return _to_comment(view.paper_id, view.id, page)


@router.post("/comments/{comment_id}/delete", response_class=HTMLResponse)
def delete_comment(
    request: Request, sessions: PrimarySessions, comment_id: int, account: CurrentUser, now: NowDep
) -> Response:
    try:
        with session_scope(sessions) as session:
            arxiv_id = comments.delete_comment(session, comment_id, account, now=now)
    except PaperfeedError as exc:
        return _comment_error(
            request, exc, heading="The comment was not deleted", arxiv_id="", action=None
        )
    return _to_comment(arxiv_id)


def _paper_of(sessions: sessionmaker[Session], comment_id: int) -> str:
    try:
        with session_scope(sessions, write=False) as session:
            return comments.get_comment(session, comment_id).paper_id
    except PaperfeedError:
        return ""
