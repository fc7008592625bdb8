"""Admin pages: only accounts with the admin role reach them (``AdminUser``: members get 403,
anonymous readers are sent to log in). Every action is a POST form with a CSRF token (checked
app-wide), runs with its log entry in one transaction (service/moderation.py) and then shows
the log. Problems (unknown paper, comment, user or claim; a bad reason) are error pages with
their 4xx status, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.accounts import users
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import AdminUser
from paperfeed.http.deps import NowDep, PrimaryRead, WriteSession
from paperfeed.service import authors, moderation
from paperfeed.web.templating import render

router = routing.router(prefix="/admin", tags=["admin"], include_in_schema=False)

FormText = Annotated[str, Form(max_length=4000)]


def _page(request: Request, template: str, context: dict) -> Response:
    response = render(request, template, context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("", response_class=HTMLResponse)
def admin_users(request: Request, admin: AdminUser, session: PrimaryRead):
    """Least privilege: only admins see the member list and its email addresses."""
    accounts = users.list_users(session)
    banned = moderation.banned_users(session)
    return _page(request, "admin_users.html", {"users": accounts, "banned": banned})


@router.get("/moderation", response_class=HTMLResponse)
def moderation_page(request: Request, admin: AdminUser, session: PrimaryRead):
    hidden = moderation.hidden_papers(session)
    pending = authors.count_pending(session)
    context = {"hidden": hidden, "pending": pending, "reason_max": moderation.MAX_REASON}
    return _page(request, "admin_moderation.html", context)


@router.get("/log", response_class=HTMLResponse)
def action_log(request: Request, admin: AdminUser, session: PrimaryRead):
    actions = moderation.recent_actions(session)
    return _page(request, "admin_log.html", {"actions": actions})


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, admin: AdminUser, session: PrimaryRead):
    claims = authors.pending_claims(session)
    return _page(request, "admin_claims.html", {"claims": claims})


@router.post("/claims/decide", response_class=HTMLResponse)
def decide_claim(
    session: WriteSession,
    admin: AdminUser,
    now: NowDep,
    claim_id: FormText = "",
    decision: FormText = "",
    reason: FormText = "",
) -> Response:
    if decision not in ("approve", "reject"):
        raise InvalidInput("Choose approve or reject.")
    authors.decide_claim(
        session, admin, claim_id, decision == "approve", reason=reason or None, now=now
    )
    return RedirectResponse("/admin/claims", status_code=303)


# ---------------------------------------------------------------- moderation actions

# path -> the service call: (session, admin, target, *, reason, now) -> anything
Action = Callable[..., object]
ACTIONS: dict[str, Action] = {
    "/papers/hide": lambda s, a, t, **k: moderation.set_paper_hidden(s, a, t, True, **k),
    "/papers/unhide": lambda s, a, t, **k: moderation.set_paper_hidden(s, a, t, False, **k),
    "/papers/feature": lambda s, a, t, **k: moderation.set_featured(s, a, t, True, **k),
    "/papers/unfeature": lambda s, a, t, **k: moderation.set_featured(s, a, t, False, **k),
    "/comments/hide": lambda s, a, t, **k: moderation.set_comment_hidden(s, a, t, True, **k),
    "/comments/unhide": lambda s, a, t, **k: moderation.set_comment_hidden(s, a, t, False, **k),
    "/users/ban": moderation.ban_user,
    "/users/unban": moderation.unban_user,
}


def _action_route(path: str, call: Action) -> None:
    def act(
        session: WriteSession,
        admin: AdminUser,
        now: NowDep,
        target: FormText = "",
        reason: FormText = "",
    ) -> Response:
        call(session, admin, target, reason=reason or None, now=now)
        return RedirectResponse("/admin/log", status_code=303)

    act.__name__ = "admin" + path.replace("/", "_")
    act.__doc__ = f"POST /admin{path}: form fields ``target`` and optional ``reason``."
    router.add_api_route(path, act, methods=["POST"], response_class=HTMLResponse)


for _path, _call in ACTIONS.items():
    _action_route(_path, _call)


# ---------------------------------------------------------------- email digests (issue 5)


@router.get("/digests", response_class=HTMLResponse)
def digests_page(request: Request, admin: AdminUser, session: PrimaryRead):
    """Subscriptions and outbox by status, and the addresses the mail server refuses."""
    from paperfeed.digest import subscriptions

    context = {
        "subscription_counts": subscriptions.subscription_counts(session),
        "outbox_counts": subscriptions.outbox_counts(session),
        "failing": subscriptions.failing_subscriptions(session),
    }
    return _page(request, "admin_digests.html", context)


@router.post("/digests/reactivate", response_class=HTMLResponse)
def reactivate_digest(
    session: WriteSession, admin: AdminUser, subscription_id: FormText = ""
) -> Response:
    """Send digests to a failing address again (e.g. after its mailbox was fixed)."""
    from paperfeed.digest import subscriptions

    if not subscription_id.isdigit():
        raise InvalidInput("Choose a subscription.")
    subscriptions.reactivate(session, int(subscription_id))
    return RedirectResponse("/admin/digests", status_code=303)
