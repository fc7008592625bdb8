"""Least privilege: every admin page and action needs the admin role (members 403, anonymous
readers sent to log in, Bearer members 403 too), and every new form needs its CSRF token."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from moderation_helpers import log_in, post, token_of
from sqlalchemy import func, select

from paperfeed.store.models import AdminAction, AuthorClaim, User
from paperfeed.web.admin_pages import ACTIONS

PAGES = ["/admin", "/admin/moderation", "/admin/log", "/admin/claims", "/admin/digests"]
POSTS = ["/admin" + path for path in ACTIONS] + [
    "/admin/claims/decide",
    "/admin/digests/reactivate",
]


def _actions(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(AdminAction))


def _paths(routes):
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's lazily included routers
            yield from _paths(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route.path


def test_the_admin_routes_are_all_listed(app):
    found = {p for p in _paths(app.router.routes) if p.startswith("/admin")}
    assert found == set(PAGES) | set(POSTS)


def test_member_gets_403_on_every_admin_page_and_action(client, make_user, papers, session_factory):
    make_user("ada")
    make_user("eve")
    log_in(client, "ada")
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 403 and "admins only" in r.text, page
    token = token_of(client)
    for action in POSTS:
        r = post(
            client, action, {"target": "eve", "claim_id": "1", "decision": "approve"}, token=token
        )
        assert r.status_code == 403, action
    assert _actions(session_factory) == 0
    with session_factory() as s:
        assert s.scalar(select(User.banned_at).where(User.username == "eve")) is None


def test_bearer_member_gets_403_json_free_of_csrf(client, make_user, make_token, papers):
    headers = make_token(make_user("ada"))
    with TestClient(client.app) as bot:
        for action in POSTS:
            r = bot.post(
                action, data={"target": papers[0]}, headers=headers, follow_redirects=False
            )
            assert r.status_code == 403, action


def test_anonymous_reader_is_sent_to_log_in(client, papers):
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fadmin")
    token = token_of(client)  # a pre-session cookie and its token: CSRF passes, the role not
    for action in POSTS:
        r = client.post(
            action, data={"target": papers[0], "csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), action


def test_admin_reaches_every_page(client, make_user):
    make_user("chief", role="admin")
    log_in(client, "chief")
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store", page


@pytest.mark.parametrize("token", [None, "", "forged", "CUT"])
def test_admin_and_claim_forms_need_a_valid_csrf_token(
    client, make_user, papers, session_factory, token
):
    make_user("chief", role="admin")
    make_user("eve")
    log_in(client, "chief")
    good = token_of(client)
    sent = good[:-2] + "xx" if token == "CUT" else token
    for action in [*POSTS, f"/papers/{papers[0]}/claim"]:
        data = {"target": "eve", "author": "Ada Lovelace", "claim_id": "1", "decision": "approve"}
        if sent is not None:
            data["csrf_token"] = sent
        r = client.post(action, data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text, action
    assert _actions(session_factory) == 0
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuthorClaim)) == 0
