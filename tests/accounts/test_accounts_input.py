"""Bad input on every account form and endpoint: a clear form error or a 4xx JSON body, and
nothing half-written; user-controlled text is rendered as text."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import PASSWORD, csrf_of, log_in, post_form
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperfeed.store.models import ApiToken, User

XSS = '<script>alert("x")</script>'


def _count(session_factory, model) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Usernames have"),
        ({"username": "ada"}, "valid email"),
        ({"username": "ada", "email": "ada@example.org"}, "at least 8"),
        (
            {"username": "a" * 33, "email": "ada@example.org", "password": PASSWORD},
            "Usernames have",
        ),
        (
            {"username": "ada", "email": "a" * 250 + "@example.org", "password": PASSWORD},
            "valid email",
        ),
        ({"username": "ada", "email": "ada@example.org", "password": "p" * 257}, "at most 256"),
        ({"username": XSS, "email": "ada@example.org", "password": PASSWORD}, "Usernames have"),
        ({"username": "ad", "email": "ada@example.org", "password": PASSWORD}, "Usernames have"),
        ({"username": "admin", "email": "ada@example.org", "password": PASSWORD}, "reserved"),
        ({"username": "ada", "email": "ada@example.org", "password": "ada"}, "at least 8"),
        (
            {"username": "adalovelace", "email": "a@b.org", "password": "AdaLovelace"},
            "not be your username",
        ),
        ({"username": "ada", "email": "<b>@example.org", "password": PASSWORD}, "valid email"),
    ],
)
def test_bad_sign_up_is_a_form_error_and_writes_nothing(
    client, session_factory, inbox, fields, message
):
    r = post_form(client, "/signup", "/signup", fields)
    assert r.status_code == 400
    assert message in r.text and 'class="form-error"' in r.text
    assert _count(session_factory, User) == 0
    assert inbox.messages == []


def test_username_markup_is_refused_and_echoed_as_text(client):
    r = post_form(
        client, "/signup", "/signup", {"username": XSS, "email": XSS, "password": PASSWORD}
    )
    assert r.status_code == 400
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;" in r.text


def test_invalid_utf8_in_a_form_body_is_a_form_error(client, session_factory):
    token = csrf_of(client.get("/signup").text)
    for body in (
        b"username=%FF%FEada&email=ada%40example.org&password="
        + PASSWORD.replace(" ", "+").encode(),
        b"username=\xff\xfeada&email=ada@example.org&password=xxxxxxxxxx",
        b"username=ada&email=\xc3\x28@example.org&password=xxxxxxxxxx",
    ):
        r = client.post(
            "/signup",
            content=body + b"&csrf_token=" + token.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 400, body
        assert 'class="form-error"' in r.text
    assert _count(session_factory, User) == 0


def test_wrong_types_and_shapes_are_4xx(client, make_user, session_factory):
    make_user()
    log_in(client)
    token = csrf_of(client.get("/account").text)
    # A file where text is expected.
    r = client.post(
        "/account/tokens",
        data={"csrf_token": token},
        files={"name": ("name.txt", b"file body", "text/plain")},
    )
    assert r.status_code == 400
    # A path id that is not a number, and one that is not the user's.
    assert client.post("/account/tokens/abc/revoke", data={"csrf_token": token}).status_code == 400
    assert client.post("/account/tokens/999/revoke", data={"csrf_token": token}).status_code == 404
    # JSON instead of a form: the fields (the password first) are missing, said so in the form.
    r = client.post("/account/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 400 and "The password is not right; no token made." in r.text
    assert _count(session_factory, ApiToken) == 0


@pytest.mark.parametrize(
    ("login", "password"),
    [("", ""), ("a" * 10_000, PASSWORD), ("ada", "p" * 10_000), ("\x00", "\x00")],
)
def test_bad_login_input_is_the_usual_failure(client, make_user, login, password):
    make_user()
    r = log_in(client, login, password)
    assert r.status_code == 400 and "Wrong username, email or password." in r.text


@pytest.mark.parametrize("name", ["", "   ", "n" * 65, "nul\x00byte"])
def test_bad_token_names_are_form_errors(client, make_user, session_factory, name):
    make_user()
    log_in(client)
    r = post_form(client, "/account", "/account/tokens", {"name": name, "password": PASSWORD})
    assert r.status_code == 400 and 'class="form-error"' in r.text
    assert _count(session_factory, ApiToken) == 0


def test_token_name_with_markup_renders_as_text(client, make_user):
    make_user()
    log_in(client)
    post_form(client, "/account", "/account/tokens", {"name": XSS, "password": PASSWORD})
    html = client.get("/account").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_bad_reset_input(client, inbox):
    for email in ("", "not an email", "x" * 300, XSS):
        r = post_form(client, "/reset", "/reset", {"email": email})
        assert r.status_code == 200 and "If an account exists" in r.text
        assert "<script>alert" not in r.text
    for token in ("", "x" * 500, XSS):
        assert client.get("/reset/confirm", params={"token": token[:200]}).status_code == 400
    assert inbox.messages == []


# ---------------------------------------------------------------- API tokens


def _new_token(client, name="script") -> str:
    r = post_form(client, "/account", "/account/tokens", {"name": name, "password": PASSWORD})
    assert r.status_code == 200 and "will not be shown again" in r.text
    return re.search(r'<pre id="new-token-value">(pf_[\w-]+)</pre>', r.text).group(1)


def test_bearer_token_whoami_then_revoked(client, make_user, session_factory):
    make_user("ada", "ada@example.org")
    log_in(client)
    token = _new_token(client)
    assert token not in client.get("/account").text  # shown once
    with session_factory() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash != token and token not in row.token_hash
    with TestClient(client.app) as bot:
        r = bot.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        me = r.json()
        assert me["type"] == "user" and me["name"] == "ada" and me["email"] == "ada@example.org"
        assert me["fullname"] is None and me["auth"]["type"] == "access_token"
        assert me["auth"]["accessToken"]["displayName"] == "script"
        assert (
            "last used" not in client.get("/account").text
            or "never" not in client.get("/account").text
        )
        token_id = re.search(r"/account/tokens/(\d+)/revoke", client.get("/account").text).group(1)
        r = post_form(client, "/account", f"/account/tokens/{token_id}/revoke", {})
        assert r.status_code == 303
        r = bot.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.json() == {
            "ok": False,
            "error": "Invalid or revoked API token.",
            "status": 401,
        }


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer pf_nope", "Bearer " + "x" * 500, "Basic YTpi"]
)
def test_whoami_without_a_valid_token_is_401_json(client, header):
    headers = {"Authorization": header} if header else {}
    r = client.get("/api/whoami-v2", headers=headers)
    assert r.status_code == 401
    assert r.json()["ok"] is False and r.json()["status"] == 401
    assert "Bearer" in r.headers["www-authenticate"]


def test_whoami_with_the_browser_session(client, make_user):
    make_user()
    log_in(client)
    assert client.get("/api/whoami-v2").json()["auth"] == {"type": "session"}


def test_a_token_revoked_by_another_user_id_is_not_found(client, app, make_user):
    make_user("ada")
    make_user("eve")
    log_in(client, "ada")
    _new_token(client)
    token_id = re.search(r"/account/tokens/(\d+)/revoke", client.get("/account").text).group(1)
    with TestClient(app) as eve:
        log_in(eve, "eve")
        r = post_form(eve, "/account", f"/account/tokens/{token_id}/revoke", {})
        assert r.status_code == 404
    assert f"/account/tokens/{token_id}/revoke" in client.get("/account").text
