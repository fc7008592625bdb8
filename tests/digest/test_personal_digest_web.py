"""Turning personal digests on and off: the account page's form (no JavaScript), the JSON
API (Bearer token, or cookie plus CSRF header), one cadence per kind, an unconfirmed
address refused, and a deleted account taking its digests and suggestions with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from digest_helpers import NOW, PERIOD
from personal_helpers import member, run, suggested
from sqlalchemy import func, select

from members import PASSWORD, csrf_of, make_account, new_token, post_form, signed_in
from paperfeed.accounts import users
from paperfeed.digest.personal import personal_digests, set_personal_digest
from paperfeed.errors import InvalidInput
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import DigestSuggestion, Subscription


def state(sessions, user_id: int) -> dict[str, str | None]:
    with sessions() as session:
        return {k: d.cadence for k, d in personal_digests(session, user_id).items()}


def rows(sessions, user_id: int) -> list[tuple[str, str, str]]:
    with sessions() as session:
        return sorted(
            session.execute(
                select(Subscription.topic_key, Subscription.period, Subscription.status).where(
                    Subscription.user_id == user_id
                )
            ).all()
        )


def test_the_account_form_turns_digests_on_switches_and_off(client, session_factory):
    ada = make_account(session_factory, "ada")
    signed_in(client)
    page = client.get("/account")
    assert 'id="personal-digests"' in page.text
    assert 'action="/account/digests/personal"' in page.text
    assert page.text.count('name="kind"') == 2

    form = {"kind": "for-you", "cadence": "daily"}
    r = post_form(client, "/account", "/account/digests/personal", form)
    assert r.status_code == 303 and r.headers["location"].startswith("/account?done=personal-on")
    assert state(session_factory, ada.id) == {"for-you": "daily", "following": None}
    shown = client.get("/account").text
    assert '<option value="daily" selected>' in shown

    # Weekly instead: the daily row is unsubscribed, never two cadences of one kind.
    post_form(client, "/account", "/account/digests/personal", {**form, "cadence": "weekly"})
    assert state(session_factory, ada.id)["for-you"] == "weekly"
    assert rows(session_factory, ada.id) == [
        ("personal:for-you", "daily", "unsubscribed"),
        ("personal:for-you", "weekly", "confirmed"),
    ]
    # Back to daily reuses the row; off stops both.
    post_form(client, "/account", "/account/digests/personal", form)
    post_form(client, "/account", "/account/digests/personal", {**form, "cadence": "off"})
    assert state(session_factory, ada.id) == {"for-you": None, "following": None}
    assert [r[2] for r in rows(session_factory, ada.id)] == ["unsubscribed", "unsubscribed"]

    # From the For you or Following page, the form comes back to it (a local path only).
    following = {"kind": "following", "cadence": "weekly", "next": "/following"}
    r = post_form(client, "/account", "/account/digests/personal", following)
    assert r.status_code == 303 and r.headers["location"] == "/following"
    evil = {**following, "next": "https://evil.example/"}
    r = post_form(client, "/account", "/account/digests/personal", evil)
    assert r.headers["location"] == "/"


def test_the_for_you_and_following_pages_have_their_own_digest_form(client, session_factory):
    ada = make_account(session_factory, "ada")
    signed_in(client)
    for path, kind in (("/for-you", "for-you"), ("/following", "following")):
        page = client.get(path).text
        assert page.count('action="/account/digests/personal"') == 1, path
        assert f'name="kind" value="{kind}"' in page
        assert f'name="next" value="{path}#digest"' in page
        form = {"kind": kind, "cadence": "weekly", "next": f"{path}#digest"}
        r = post_form(client, path, "/account/digests/personal", form)
        assert r.status_code == 303 and r.headers["location"] == f"{path}#digest"
        assert '<option value="weekly" selected>' in client.get(path).text
    assert state(session_factory, ada.id) == {"for-you": "weekly", "following": "weekly"}


def test_the_form_needs_a_member_csrf_and_valid_choices(client, session_factory):
    make_account(session_factory, "ada")
    anonymous = client.post(
        "/account/digests/personal", data={"kind": "for-you", "cadence": "daily"}
    )
    assert anonymous.status_code in (401, 403)
    signed_in(client)
    no_csrf = client.post(
        "/account/digests/personal",
        data={"kind": "for-you", "cadence": "daily"},
        follow_redirects=False,
    )
    assert no_csrf.status_code == 403
    for bad in ({"kind": "trending", "cadence": "daily"}, {"kind": "for-you", "cadence": "hourly"}):
        r = post_form(client, "/account", "/account/digests/personal", bad)
        assert r.status_code == 400, r.text


def test_an_unconfirmed_address_cannot_turn_one_on(client, session_factory):
    with session_scope(session_factory) as session:
        made = users.sign_up(
            session,
            username="eve",
            email="eve@example.org",
            password=PASSWORD,
            now=NOW,
            confirm_ttl=timedelta(hours=1),
        )
        with pytest.raises(InvalidInput, match="Confirm your email address"):
            set_personal_digest(session, made.user, "for-you", "daily", now=NOW)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_the_json_api_with_a_bearer_token_and_with_the_cookie(client, session_factory):
    ada = make_account(session_factory, "ada")
    bearer = {"Authorization": f"Bearer {new_token(session_factory, ada)}"}
    r = client.get("/api/digests/personal", headers=bearer)
    assert r.status_code == 200
    assert r.json() == [
        {"kind": "for-you", "cadence": None, "status": None},
        {"kind": "following", "cadence": None, "status": None},
    ]
    r = client.put("/api/digests/personal/following", json={"cadence": "weekly"}, headers=bearer)
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "following", "cadence": "weekly", "status": "confirmed"}
    again = client.put(
        "/api/digests/personal/following", json={"cadence": "weekly"}, headers=bearer
    )
    assert again.json() == r.json() and len(rows(session_factory, ada.id)) == 1
    assert client.put(
        "/api/digests/personal/trending", json={"cadence": "daily"}, headers=bearer
    ).status_code in (400, 422)
    assert client.put(
        "/api/digests/personal/for-you", json={"cadence": "hourly"}, headers=bearer
    ).status_code in (400, 422)
    assert client.get("/api/digests/personal").status_code == 401

    # A browser: the session cookie needs the CSRF header for a write.
    signed_in(client)
    token = csrf_of(client.get("/account").text)
    body = {"cadence": "daily"}
    assert client.put("/api/digests/personal/for-you", json=body).status_code == 403
    ok = client.put("/api/digests/personal/for-you", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["cadence"] == "daily"
    schema = client.get("/openapi.json").json()["paths"]
    assert schema["/api/digests/personal/{kind}"]["put"]["description"]


def test_a_deleted_account_takes_its_digests_and_suggestions(
    settings, runtime, session_factory, feed, inbox
):
    ada = member(session_factory, "ada", follows=["cs.CL"])
    assert run(runtime, PERIOD).sent == 1 and suggested(session_factory, ada.id)
    with session_scope(session_factory) as session:
        users.delete_account(session, ada.id, password=PASSWORD)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0
        assert session.scalar(select(func.count()).select_from(DigestSuggestion)) == 0


def test_saving_again_does_not_revive_a_failing_address(session_factory):
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as session:
        set_personal_digest(session, ada, "for-you", "daily", now=NOW)
        row = session.scalars(select(Subscription).where(Subscription.user_id == ada.id)).one()
        row.status, row.failure_count = "failing", 3
    with session_scope(session_factory) as session:
        done = set_personal_digest(session, ada, "for-you", "daily", now=NOW)
    assert (done.cadence, done.status) == ("daily", "failing")
