"""Attacks on accounts, one test each (the list with results is docs/security.md): cookie
flags, session fixation, forged cookies, CSRF on every POST route, brute force, user
enumeration, open redirects, admin-only pages."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import PASSWORD, app_routes, csrf_of, log_in, post_form
from argon2 import PasswordHasher
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from members import fill_path, route_values
from paperfeed.accounts import passwords
from paperfeed.app import create_app
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import get_now
from paperfeed.store.models import User

COOKIE = "paperfeed_session"


def _set_cookie_headers(response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


# ---------------------------------------------------------------- cookies and sessions


def test_session_cookie_is_httponly_samesite_lax_and_not_secure_on_http(client, make_user):
    make_user()
    [cookie] = _set_cookie_headers(log_in(client))
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_with_host_prefix_behind_https(settings, make_user):
    from accounts_helpers import NOW

    app = create_app(settings.model_copy(update={"base_url": "https://papers.example.org"}))
    app.dependency_overrides[get_now] = lambda: NOW
    make_user()
    with TestClient(app, base_url="https://testserver") as https:
        r = log_in(https)
        [cookie] = _set_cookie_headers(r)
        assert cookie.startswith("__Host-paperfeed_session=")
        assert "; Secure" in cookie and "Domain" not in cookie
        assert https.get("/account").status_code == 200


def test_session_rotated_at_login_fixation_impossible(client, make_user):
    make_user()
    client.get("/login")
    before = client.cookies.get(COOKIE)  # the pre-session value the login form minted
    assert before
    log_in(client)
    after = client.cookies.get(COOKIE)
    assert after and after != before
    # An attacker who planted a cookie value in the victim's browser gains nothing.
    attacker = TestClient(client.app)
    attacker.cookies.set(COOKIE, before, domain="testserver.local")
    assert attacker.get("/account", follow_redirects=False).status_code == 303


def test_planted_cookie_is_replaced_at_login(client, make_user):
    make_user()
    client.cookies.set(COOKIE, "attacker-chosen-value", domain="testserver.local")
    r = log_in(client)
    assert r.status_code == 303
    assert client.cookies.get(COOKIE) != "attacker-chosen-value"


@pytest.mark.parametrize(
    "forge",
    [
        lambda real: real[:-1] + ("A" if real[-1] != "A" else "B"),  # tampered
        lambda real: "x" * 43,  # made up
        lambda real: real + "x" * 200,  # overlong
        lambda real: "%C3%A9" * 10,  # not a token's alphabet
        lambda real: "",
    ],
    ids=["tampered", "forged", "overlong", "encoded", "empty"],
)
def test_forged_or_tampered_session_cookie_is_rejected(client, make_user, forge):
    make_user()
    log_in(client)
    real = client.cookies.get(COOKIE)
    client.cookies.clear()
    client.cookies.set(COOKIE, forge(real), domain="testserver.local")
    r = client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_session_expires_when_idle_and_at_its_absolute_end(client, app, make_user):
    from datetime import timedelta

    from accounts_helpers import NOW

    make_user()
    log_in(client)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=13)
    assert client.get("/account").status_code == 200  # used within 14 days: alive
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=13 + 15)
    assert client.get("/account", follow_redirects=False).status_code == 303  # idle > 14 days

    log_in(client)  # now NOW + 28 days; keep using it every 10 days until day 58
    for days in (38, 48, 57):
        app.dependency_overrides[get_now] = lambda d=days: NOW + timedelta(days=d)
        assert client.get("/account").status_code == 200
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=59)
    assert client.get("/account", follow_redirects=False).status_code == 303  # > 30 days


# ---------------------------------------------------------------- CSRF


def unsafe_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app_routes(app):
        for method in sorted(route.methods - {"GET", "HEAD", "OPTIONS"}):
            # ids of the right shape, so that the route (and its CSRF check) is reached
            path = fill_path(route.path, route_values("2611.00001"))
            found.append((method, path))
    return sorted(set(found))


def test_the_route_enumeration_finds_the_account_forms(app):
    routes = unsafe_routes(app)
    for expected in [("POST", "/login"), ("POST", "/signup"), ("POST", "/account/delete")]:
        assert expected in routes


def test_every_unsafe_route_refuses_a_request_without_valid_csrf_token(client, app, make_user):
    """Any POST/PUT/PATCH/DELETE route added later without CSRF protection fails this test."""
    make_user()
    log_in(client)  # signed in: the cookie a cross-site request would carry
    routes = unsafe_routes(app)
    assert len(routes) >= 10
    good = csrf_of(client.get("/account").text)
    for method, path in routes:
        for token in (None, "", "forged-token", good[:-2] + "xx"):
            data = {} if token is None else {"csrf_token": token}
            r = client.request(method, path, data=data, follow_redirects=False)
            assert r.status_code == 403, (method, path, token, r.status_code)
            if path.startswith("/api/"):
                assert r.json()["ok"] is False and r.json()["status"] == 403
            else:
                assert "CSRF" in r.text and "<html" in r.text
    assert client.get("/account").status_code == 200  # nothing logged us out


def test_csrf_token_of_another_browser_is_refused(client, app, make_user):
    make_user("ada")
    make_user("eve")
    with TestClient(app) as eve:
        log_in(eve, "eve")
        eves_token = csrf_of(eve.get("/account").text)
    log_in(client, "ada")
    r = client.post("/account/tokens", data={"name": "x", "csrf_token": eves_token})
    assert r.status_code == 403


def test_pre_login_csrf_token_dies_at_login(client, make_user):
    make_user()
    old = csrf_of(client.get("/login").text)
    log_in(client)
    assert client.post("/logout", data={"csrf_token": old}).status_code == 403
    assert (
        client.post(
            "/logout",
            data={"csrf_token": csrf_of(client.get("/account").text)},
            follow_redirects=False,
        ).status_code
        == 303
    )


def test_csrf_token_in_header_for_javascript(client, make_user):
    make_user()
    log_in(client)
    html = client.get("/account").text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)
    r = client.post("/logout", headers={"X-CSRF-Token": meta}, follow_redirects=False)
    assert r.status_code == 303


@pytest.fixture
def api_write(app):
    """A stand-in for the API writes to come (votes, submissions): POST /api/test-write."""
    router = APIRouter()

    @router.post("/api/test-write")
    def write(user: CurrentUser):
        return {"ok": True, "user": user.username}

    app.include_router(router)
    return app


def test_cookie_authenticated_api_write_needs_csrf_but_bearer_is_exempt(
    client, api_write, make_user
):
    make_user()
    log_in(client)
    r = client.post("/api/test-write", json={})
    assert r.status_code == 403 and r.json() == {
        "ok": False,
        "error": r.json()["error"],
        "status": 403,
    }
    token = csrf_of(client.get("/account").text)
    r = client.post("/api/test-write", headers={"X-CSRF-Token": token})
    assert r.json().get("user") == "ada", r.text
    created = post_form(
        client, "/account", "/account/tokens", {"name": "bot", "password": PASSWORD}
    )
    bearer = re.search(r'<pre id="new-token-value">(pf_[\w-]+)</pre>', created.text).group(1)
    with TestClient(client.app) as bot:  # no cookies at all
        r = bot.post("/api/test-write", headers={"Authorization": f"Bearer {bearer}"})
        assert r.status_code == 200 and r.json()["user"] == "ada"
        r = bot.post("/api/test-write")
        assert r.status_code == 401 and r.json()["ok"] is False


# ---------------------------------------------------------------- brute force and floods


def test_brute_force_login_is_rate_limited_per_account(client, make_user):
    make_user()
    for _ in range(8):  # rate_limit_login_account = 8/minute in these tests
        assert log_in(client, password="guess").status_code == 400
    r = log_in(client, password=PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "Too many attempts" in r.text and "<html" in r.text


def test_login_rate_limit_per_ip_across_accounts_and_workers(settings, make_user):
    """Two app instances (two web workers) on one database share the counts."""
    from accounts_helpers import NOW

    tight = settings.model_copy(update={"rate_limit_login_ip": "6/minute"})
    workers = [create_app(tight), create_app(tight)]
    for app in workers:
        app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(workers[0]) as one, TestClient(workers[1]) as two:
        for i in range(6):
            assert log_in(one if i % 2 else two, f"user{i}", "guess").status_code == 400
        r = log_in(one, "someone-else", "guess")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_sign_up_and_reset_floods_are_rate_limited(settings, inbox):
    from accounts_helpers import NOW

    app = create_app(
        settings.model_copy(
            update={"rate_limit_signup": "3/hour", "rate_limit_password_reset": "2/hour"}
        )
    )
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as c:
        for i in range(3):
            assert (
                post_form(
                    c,
                    "/signup",
                    "/signup",
                    {"username": f"bot{i}", "email": f"b{i}@example.org", "password": PASSWORD},
                ).status_code
                == 200
            )
        r = post_form(
            c,
            "/signup",
            "/signup",
            {"username": "bot9", "email": "b9@example.org", "password": PASSWORD},
        )
        assert r.status_code == 429 and r.headers["retry-after"]
        for _ in range(2):
            assert post_form(c, "/reset", "/reset", {"email": "b0@example.org"}).status_code == 200
        assert post_form(c, "/reset", "/reset", {"email": "b0@example.org"}).status_code == 429
    # Three confirmation mails, and the two resets allowed (a reset link also confirms).
    assert len(inbox.wait(5)) == 5


def test_rate_limited_dependency_for_later_write_endpoints(settings, make_user):
    from accounts_helpers import NOW
    from fastapi import Depends

    from paperfeed.http.ratelimits import rate_limited

    app = create_app(settings.model_copy(update={"rate_limit_writes": "3/minute"}))
    app.dependency_overrides[get_now] = lambda: NOW
    router = APIRouter()

    @router.post("/api/test-vote", dependencies=[Depends(rate_limited("vote"))])
    def vote():
        return {"ok": True}

    app.include_router(router)
    make_user()
    with TestClient(app) as c:
        post_form(
            c, "/account", "/account/tokens", {"name": "x", "password": PASSWORD}
        )  # not signed in: ignored
        log_in(c)
        token = re.search(
            r"(pf_[\w-]+)",
            post_form(c, "/account", "/account/tokens", {"name": "v", "password": PASSWORD}).text,
        ).group(1)
        headers = {"Authorization": f"Bearer {token}"}
        assert [c.post("/api/test-vote", headers=headers).status_code for _ in range(4)] == [
            200,
            200,
            200,
            429,
        ]
        r = c.post("/api/test-vote", headers=headers)
        assert r.json()["status"] == 429 and int(r.headers["retry-after"]) > 0


# ---------------------------------------------------------------- enumeration


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrf_token" value|csrf-token" content)="[^"]+"', "", html)


def test_login_says_the_same_for_unknown_user_and_wrong_password(client, make_user, monkeypatch):
    make_user()
    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    known = log_in(client, "ada", "wrong password")
    unknown = log_in(client, "nobody", "wrong password")
    assert known.status_code == unknown.status_code == 400
    assert _without_tokens(known.text).replace("ada", "X") == _without_tokens(unknown.text).replace(
        "nobody", "X"
    )
    # Timing: the unknown user also cost one argon2 verification (against a dummy hash).
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_reset_says_the_same_for_known_and_unknown_addresses(client, make_user, inbox):
    make_user("ada", "ada@example.org")
    known = post_form(client, "/reset", "/reset", {"email": "ada@example.org"})
    unknown = post_form(client, "/reset", "/reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.text) == _without_tokens(unknown.text)
    assert [m["To"] for m in inbox.wait(1)] == ["ada@example.org"]


def test_sign_up_with_a_taken_email_looks_like_success_and_tells_the_owner(
    client, make_user, inbox, session
):
    make_user("ada", "ada@example.org")
    taken = post_form(
        client,
        "/signup",
        "/signup",
        {"username": "mallory", "email": "ADA@example.org", "password": PASSWORD},
    )
    fresh = post_form(
        client,
        "/signup",
        "/signup",
        {"username": "bob", "email": "bob@example.org", "password": PASSWORD},
    )
    assert taken.status_code == fresh.status_code == 200
    assert _without_tokens(taken.text) == _without_tokens(fresh.text)
    mails = {m["To"]: m for m in inbox.wait(2)}
    assert "already has an account" in mails["ada@example.org"].get_body(("plain",)).get_content()
    assert "/signup/confirm?token=" in mails["bob@example.org"].get_body(("plain",)).get_content()
    assert sorted(session.scalars(select(User.username))) == ["ada", "bob"]


def test_taken_username_answer_does_not_depend_on_the_email(client, make_user):
    make_user("ada", "ada@example.org")
    a = post_form(
        client,
        "/signup",
        "/signup",
        {"username": "ADA", "email": "ada@example.org", "password": PASSWORD},
    )
    b = post_form(
        client,
        "/signup",
        "/signup",
        {"username": "ADA", "email": "new@example.org", "password": PASSWORD},
    )
    assert a.status_code == b.status_code == 400
    assert "username is taken" in a.text and "username is taken" in b.text


# ---------------------------------------------------------------- redirects and roles


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "http:evil.example",
        "evil.example",
    ],
)
def test_open_redirect_after_login_is_refused(client, make_user, target):
    make_user()
    r = log_in(client, next=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_local_next_path_is_kept(client, make_user):
    make_user()
    r = client.get("/admin", follow_redirects=False)
    assert r.headers["location"] == "/login?next=%2Fadmin"
    page = client.get("/login", params={"next": "/papers?date=2026-11-20"})
    assert 'name="next" value="/papers?date=2026-11-20"' in page.text
    r = log_in(client, next="/papers?date=2026-11-20")
    assert r.headers["location"] == "/papers?date=2026-11-20"


def test_member_cannot_reach_admin_page_admin_can(client, make_user):
    make_user("ada")
    make_user("root_admin", role="admin")
    log_in(client, "ada")
    r = client.get("/admin")
    assert r.status_code == 403 and "admins only" in r.text
    assert "root_admin@example.org" not in r.text
    client.cookies.clear()
    log_in(client, "root_admin")
    r = client.get("/admin")
    assert r.status_code == 200 and "ada@example.org" in r.text


def test_admin_page_answers_api_style_for_bearer_member(client, make_user):
    make_user("ada")
    log_in(client)
    token = re.search(
        r"(pf_[\w-]+)",
        post_form(client, "/account", "/account/tokens", {"name": "x", "password": PASSWORD}).text,
    ).group(1)
    with TestClient(client.app) as bot:
        assert bot.get("/admin", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_unconfirmed_account_cannot_log_in_and_expires(client, inbox, session_factory):
    post_form(
        client,
        "/signup",
        "/signup",
        {"username": "ada", "email": "ada@example.org", "password": PASSWORD},
    )
    r = log_in(client)
    assert r.status_code == 403 and "Confirm your email" in r.text
    # A wrong password for it gives the usual answer: nothing learned without the password.
    assert "Wrong username" in log_in(client, password="nope nope").text
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
