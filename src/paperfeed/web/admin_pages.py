"""Admin pages: only accounts with the admin role reach them (``AdminUser``); moderation
(hide, ban, feature, the action log) grows here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperfeed.accounts import users
from paperfeed.store.db import session_scope
from paperfeed.web.auth import AdminUser
from paperfeed.web.pages import render

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def admin_users(request: Request, admin: AdminUser):
    """Least privilege: only admins see the member list and its email addresses."""
    with session_scope(request.app.state.sessions, write=False) as session:
        accounts = users.list_users(session)
    response = render(request, "admin_users.html", {"users": accounts})
    response.headers["Cache-Control"] = "no-store"
    return response
