"""Sign up, confirm by email, log in and out, change and reset a password, delete the account:
through the real forms, with the mail received by a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from accounts_helpers import PASSWORD, csrf_of, log_in, post_form
from sqlalchemy import func, select

from paperfeed.http.deps import get_now
from paperfeed.store.models import ApiToken, OneTimeToken, User, UserSession


def _signup(client, username="ada", email="ada@example.org", password=PASSWORD):
    return post_form(
        client, "/signup", "/signup", {"username": username, "email": email, "password": password}
    )


def test_sign_up_confirm_by_emailed_link_then_log_in(client, inbox, session):
    r = _signup(client, "Ada_L", "Ada@Example.ORG")
    assert r.status_code == 200 and "Check your inbox" in r.text
    [mail] = inbox.wait(1)
    assert mail["To"] == "Ada@example.org"  # domain normalised
    token = inbox.link(mail, "/signup/confirm")
    assert mail.get_body(("html",)) is not None  # plain text + HTML alternative
    # Not confirmed yet: log-in refused, with a message only the password holder sees.
    assert log_in(client, "ada_l").status_code == 403
    page = client.get("/signup/confirm", params={"token": token})
    r = client.post(
        "/signup/confirm",
        data={"token": token, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/account?done=welcome"
    assert "Ada_L" in client.get("/account").text
    # The link worked once.
    again = client.post(
        "/signup/confirm", data={"token": token, "csrf_token": csrf_of(client.get("/signup").text)}
    )
    assert again.status_code == 400
    user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_log_in_by_username_or_email_any_case_and_log_out(client, make_user):
    make_user("ada", "ada@example.org")
    for login in ("ada", "ADA", "Ada@Example.org"):
        r = log_in(client, login)
        assert r.status_code == 303, login
        assert client.get("/account").status_code == 200
        r = post_form(client, "/account", "/logout", {})
        assert r.status_code == 303
        assert client.get("/account", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server(client, make_user, session):
    make_user()
    log_in(client)
    stolen = dict(client.cookies)
    post_form(client, "/account", "/logout", {})
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    client.cookies.clear()
    client.cookies.update(stolen)  # replaying the old cookie does not sign in again
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_change_password_ends_every_other_session(client, app, make_user):
    from fastapi.testclient import TestClient

    make_user()
    with TestClient(app) as other:
        log_in(other)
        assert other.get("/account").status_code == 200
        log_in(client)
        r = post_form(
            client,
            "/account",
            "/account/password",
            {"current_password": PASSWORD, "new_password": "a new long password"},
        )
        assert r.status_code == 303
        assert "Password changed" in client.get("/account?done=password").text  # still in
        assert other.get("/account", follow_redirects=False).status_code == 303  # signed out
    client.cookies.clear()
    assert log_in(client, password=PASSWORD).status_code == 400
    assert log_in(client, password="a new long password").status_code == 303


def test_change_password_with_wrong_current_password_changes_nothing(client, make_user):
    make_user()
    log_in(client)
    r = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": "wrong password", "new_password": "a new long password"},
    )
    assert r.status_code == 400 and "current password is not right" in r.text
    assert client.get("/account").status_code == 200  # the session survived
    client.cookies.clear()
    assert log_in(client).status_code == 303


def test_reset_password_by_emailed_single_use_link(client, app, make_user, inbox):
    make_user("ada", "ada@example.org")
    log_in(client)
    r = post_form(client, "/reset", "/reset", {"email": "ADA@example.org"})
    assert r.status_code == 200 and "If an account exists" in r.text
    [mail] = inbox.wait(1)
    token = inbox.link(mail, "/reset/confirm")
    form = client.get("/reset/confirm", params={"token": token})
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    # A too-short password is refused without using up the link.
    short = client.post(
        "/reset/confirm",
        data={"token": token, "password": "short", "csrf_token": csrf_of(form.text)},
    )
    assert short.status_code == 400 and "at least 8" in short.text
    done = client.post(
        "/reset/confirm",
        data={"token": token, "password": "brand new secret", "csrf_token": csrf_of(form.text)},
    )
    assert done.status_code == 200 and "Password changed" in done.text
    assert client.get("/account", follow_redirects=False).status_code == 303  # signed out
    reused = client.post(
        "/reset/confirm",
        data={"token": token, "password": "another secret!", "csrf_token": csrf_of(form.text)},
    )
    assert reused.status_code == 400
    assert log_in(client, password="brand new secret").status_code == 303


def test_reset_link_expires(client, app, make_user, inbox):
    make_user()
    post_form(client, "/reset", "/reset", {"email": "ada@example.org"})
    token = inbox.link(inbox.wait(1)[0], "/reset/confirm")
    from accounts_helpers import NOW

    app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=61)
    assert client.get("/reset/confirm", params={"token": token}).status_code == 400
    r = client.post(
        "/reset/confirm",
        data={
            "token": token,
            "password": "brand new secret",
            "csrf_token": csrf_of(client.get("/reset").text),
        },
    )
    assert r.status_code == 400 and "does not work" in r.text


def test_delete_account_removes_sessions_tokens_and_personal_data(client, make_user, session):
    make_user("ada", "ada@example.org")
    log_in(client)
    post_form(client, "/account", "/account/tokens", {"name": "script", "password": PASSWORD})
    post_form(client, "/reset", "/reset", {"email": "ada@example.org"})
    wrong = post_form(client, "/account", "/account/delete", {"password": "not it"})
    assert wrong.status_code == 400
    assert session.scalar(select(func.count()).select_from(User)) == 1
    session.rollback()  # end the read snapshot; see the delete below
    r = post_form(client, "/account", "/account/delete", {"password": PASSWORD})
    assert r.status_code == 200 and "Account deleted" in r.text
    for model in (User, UserSession, ApiToken, OneTimeToken):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert log_in(client).status_code == 400
