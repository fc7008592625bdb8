"""A stolen session or API token must not become a takeover that survives recovery (issue 12,
item 4): minting a token needs the password, a new password ends every token (and the owner
is told which by email), every password check counts against one per-account limit shared
with log-in, and a Bearer token cannot change the password or delete the account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from accounts_helpers import NOW, PASSWORD, app_routes, csrf_of, log_in, post_form
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperfeed.accounts import api_tokens
from paperfeed.http.deps import get_now
from paperfeed.store.db import session_scope
from paperfeed.store.models import ApiToken, User

NEW_PASSWORD = "a brand new secret"
LIMIT = 8  # rate_limit_login_account = 8/minute (tests/accounts/conftest.py)
TOKEN_NAMES = ("laptop script", "ci <bot> & co")
# The form field that carries the current password, per route that asks for it.
CHECKS = {
    "/account/password": lambda pw: {"current_password": pw, "new_password": NEW_PASSWORD},
    "/account/delete": lambda pw: {"password": pw},
    "/account/tokens": lambda pw: {"name": "minted", "password": pw},
}
ANONYMOUS_PASSWORD_FORMS = {"/login", "/signup", "/reset/confirm"}  # new or log-in passwords


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def _tokens(session_factory, account, names=TOKEN_NAMES) -> list[str]:
    with session_scope(session_factory) as session:
        return [api_tokens.create_token(session, account.id, n, now=NOW)[1] for n in names]


def _count_tokens(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(ApiToken))


def _whoami(app, raw: str) -> int:
    with TestClient(app) as bot:  # no cookies: the token alone
        return bot.get("/api/whoami-v2", headers=_bearer(raw)).status_code


def _notices(inbox) -> list:
    return [m for m in inbox.messages if "API tokens were revoked" in m["Subject"]]


def _listed_names(message) -> list[str]:
    body = message.get_body(("plain",)).get_content()
    return [name.rstrip() for name in re.findall(r"^- (.+)$", body, re.M)]


# ---------------------------------------------------------------- (a) minting a token


def test_creating_a_token_needs_the_current_password(client, make_user, session_factory):
    make_user()
    log_in(client)
    for data in ({"name": "x"}, {"name": "x", "password": "not the password"}):
        r = post_form(client, "/account", "/account/tokens", data)  # a stolen session
        assert r.status_code == 400 and "password is not right" in r.text
        assert "pf_" not in r.text
    assert _count_tokens(session_factory) == 0
    r = post_form(client, "/account", "/account/tokens", {"name": "x", "password": PASSWORD})
    assert r.status_code == 200 and re.search(r'<pre id="new-token-value">pf_', r.text)
    assert _count_tokens(session_factory) == 1
    assert 'name="password" type="password"' in client.get("/account").text  # asked by the form


def test_a_bearer_token_cannot_mint_or_revoke_tokens(app, make_user, session_factory):
    ada = make_user()
    [raw] = _tokens(session_factory, ada, ["stolen"])
    with TestClient(app) as thief:
        r = thief.post(
            "/account/tokens", data={"name": "mine now", "password": PASSWORD}, headers=_bearer(raw)
        )
        assert r.status_code == 403 and "API token cannot" in r.text
        with session_factory() as session:
            token_id = session.scalar(select(ApiToken.id))
        r = thief.post(f"/account/tokens/{token_id}/revoke", headers=_bearer(raw))
        assert r.status_code == 403
    assert _count_tokens(session_factory) == 1


# ---------------------------------------------------------------- (b) recovery ends tokens


def test_changing_the_password_revokes_every_token_and_tells_the_owner(
    app, client, make_user, session_factory, inbox
):
    ada = make_user()
    minted = _tokens(session_factory, ada)
    assert [_whoami(app, raw) for raw in minted] == [200, 200]
    log_in(client)
    r = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 303
    assert [_whoami(app, raw) for raw in minted] == [401, 401]
    assert _count_tokens(session_factory) == 0
    [notice] = inbox.wait(1)
    assert notice["To"] == "ada@example.org" and _notices(inbox) == [notice]
    assert _listed_names(notice) == list(TOKEN_NAMES)
    assert "was changed" in notice.get_body(("plain",)).get_content()
    assert "ci &lt;bot&gt; &amp; co" in notice.get_body(("html",)).get_content()
    # No tokens left: the next change sends no notice.
    post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": NEW_PASSWORD, "new_password": PASSWORD},
    )
    assert len(inbox.messages) == 1


def test_resetting_the_password_revokes_every_token_and_tells_the_owner(
    app, client, make_user, session_factory, inbox
):
    ada = make_user()
    minted = _tokens(session_factory, ada)  # e.g. made by a thief with a stolen session
    post_form(client, "/reset", "/reset", {"email": "ada@example.org"})
    link = inbox.link(inbox.wait(1)[0], "/reset/confirm")
    form = client.get("/reset/confirm", params={"token": link})
    r = client.post(
        "/reset/confirm",
        data={"token": link, "password": NEW_PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert r.status_code == 200 and "every API token" in r.text
    assert [_whoami(app, raw) for raw in minted] == [401, 401]
    messages = inbox.wait(2)
    [notice] = _notices(inbox)
    assert len(messages) == 2 and notice["To"] == "ada@example.org"
    assert _listed_names(notice) == list(TOKEN_NAMES)
    assert "was reset" in notice.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- (c) guessing the password


@pytest.mark.parametrize("path", ["/account/password", "/account/delete", "/account/tokens"])
def test_guessing_the_current_password_is_rate_limited_per_account(
    app, client, make_user, session_factory, path
):
    clock = {"now": NOW}
    app.dependency_overrides[get_now] = lambda: clock["now"]
    make_user()
    log_in(client)  # one password check of the window already
    csrf = csrf_of(client.get("/account").text)
    answers = []
    for i in range(30):
        r = client.post(
            path, data={**CHECKS[path](f"guess {i}"), "csrf_token": csrf}, follow_redirects=False
        )
        answers.append(r.status_code)
        if r.status_code == 429:
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert "Too many attempts" in r.text
    assert answers == [400] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)
    # The right password waits too, until the window is over.
    right = {**CHECKS[path](PASSWORD), "csrf_token": csrf}
    assert client.post(path, data=right, follow_redirects=False).status_code == 429
    assert client.get("/account").status_code == 200  # nothing was changed or deleted
    assert _count_tokens(session_factory) == 0
    clock["now"] = NOW + timedelta(seconds=61)
    assert client.post(path, data=right, follow_redirects=False).status_code in (200, 303)


def test_guesses_on_the_account_page_and_at_log_in_share_one_bucket(app, client, make_user):
    make_user()
    log_in(client)
    csrf = csrf_of(client.get("/account").text)
    for i in range(LIMIT // 2):
        client.post("/account/delete", data={"password": f"guess {i}", "csrf_token": csrf})
    with TestClient(app) as other:
        for _ in range(LIMIT - 1 - LIMIT // 2):
            assert log_in(other, "ada@example.org", "guess").status_code == 400
        assert log_in(other, "ada", PASSWORD).status_code == 429


def test_log_in_by_name_and_by_address_is_one_bucket(client, make_user):
    make_user("bob", "bob@example.test")
    for i in range(LIMIT):
        login = ("bob", " BOB@example.test ")[i % 2]
        assert log_in(client, login, "guess").status_code == 400
    for login in ("bob", "bob@example.test", "Bob"):
        r = log_in(client, login, PASSWORD)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


def test_unknown_names_are_limited_like_accounts(client, make_user):
    """Same limit, same answer and Retry-After for a name without an account: the limit
    does not tell who exists. Its typed forms are one bucket, other names are not."""
    make_user("bob", "bob@example.test")
    answers = {}
    for login in ("bob", "nobody"):
        typed = [login, f" {login.upper()} "]
        answers[login] = [log_in(client, typed[i % 2], "guess") for i in range(LIMIT + 1)]
    for login, replies in answers.items():
        assert [r.status_code for r in replies] == [400] * LIMIT + [429], login
    known, unknown = answers["bob"][-1], answers["nobody"][-1]
    assert known.headers["retry-after"] == unknown.headers["retry-after"]
    assert "Too many attempts" in known.text and "Too many attempts" in unknown.text
    assert log_in(client, "somebody-else", "guess").status_code == 400


# ---------------------------------------------------------------- a Bearer token's reach


def test_a_bearer_token_cannot_change_the_password_or_delete_the_account(
    app, make_user, session_factory, client
):
    ada = make_user()
    [raw] = _tokens(session_factory, ada, ["stolen"])
    with TestClient(app) as thief:
        for i in range(30):
            for path in ("/account/password", "/account/delete"):
                pw = PASSWORD if i == 29 else f"guess {i}"  # even the right one
                r = thief.post(path, data=CHECKS[path](pw), headers=_bearer(raw))
                assert r.status_code == 403 and "API token cannot" in r.text, (path, i)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
    # The thief's attempts checked nothing, so they locked nobody out: the owner logs in.
    assert log_in(client).status_code == 303


def test_every_route_asking_for_the_current_password_refuses_bearer_tokens(
    app, make_user, session_factory
):
    """Walks the app: any route with a password form field, other than log-in, sign-up and
    choosing a new password from an emailed link, must need a browser session (so an email
    change or any later route that asks for the password is covered)."""
    ada = make_user()
    [raw] = _tokens(session_factory, ada, ["stolen"])
    asking = []
    for route in app_routes(app):
        fields = {p.name for p in route.dependant.body_params}
        if fields & {"password", "current_password"} and route.path not in (
            ANONYMOUS_PASSWORD_FORMS
        ):
            asking.append(route.path)
    assert set(CHECKS) <= set(asking)
    with TestClient(app) as thief:
        for path in asking:
            form = CHECKS.get(path, lambda pw: {"password": pw})(PASSWORD)
            r = thief.post(path, data=form, headers=_bearer(raw))
            assert r.status_code == 403, (path, r.status_code)
    assert _whoami(app, raw) == 200
