"""Subscribing through the web app: the form, double opt-in by an emailed link, one-click
unsubscribe (RFC 8058), the account page, and every kind of bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from digest_helpers import NOW, PERIOD, subscribe_confirmed
from sqlalchemy import func, select

from live_server import serve
from members import csrf_of, make_account, post_form, signed_in
from paperfeed.digest import subscriptions
from paperfeed.digest.runner import send_digests
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import Subscription

TOKEN = re.compile(r"token=([\w-]+)")


def send_daily(runtime):
    return send_digests(
        runtime, cadence="daily", period=PERIOD, clock=lambda: NOW, sleep=lambda s: 0
    )


def count_rows(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Subscription))


def subscribe_form(http, data: dict):
    page = http.get("/subscribe")
    assert page.status_code == 200
    return http.post("/subscribe", data={**data, "csrf_token": csrf_of(page.text)})


def test_confirm_flow_end_to_end_over_http(app, settings, runtime, session_factory, feed, inbox):
    with serve(app) as base, httpx.Client(base_url=base) as http:
        # The box on every page leads to the form (anonymous pages carry no CSRF token).
        home = http.get("/")
        assert (
            'action="/subscribe" method="get"' in home.text
            and "<fieldset disabled>" not in home.text
        )
        answer = subscribe_form(http, {"email": "Ada@Example.org", "period": "daily"})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        [confirmation] = inbox.wait(1)
        assert confirmation["To"] == "Ada@example.org"
        body = confirmation.get_body(("plain",)).get_content()
        link = re.search(r"https://papers\.example\.org(/subscribe/confirm\?token=[\w-]+)", body)
        assert link, body
        # Nothing but the confirmation goes to an unconfirmed address.
        assert send_daily(runtime).sent == 0
        # Opening the link (as a mail scanner would) shows a button and confirms nothing.
        opened = http.get(link.group(1))
        assert opened.status_code == 200 and 'action="/subscribe/confirm"' in opened.text
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert send_daily(runtime).sent == 0
        token = TOKEN.search(link.group(1)).group(1)
        done = http.post(
            "/subscribe/confirm", data={"token": token, "csrf_token": csrf_of(opened.text)}
        )
        assert done.status_code == 200 and "You are subscribed" in done.text
        # The link works once.
        again = http.post(
            "/subscribe/confirm", data={"token": token, "csrf_token": csrf_of(opened.text)}
        )
        assert again.status_code == 400 and "does not work" in again.text

        assert send_daily(runtime).sent == 1
        digest = inbox.wait(2)[1]
        assert digest["To"] == "Ada@example.org"
        # One-click unsubscribe: a POST without any session or cookie, as mail clients do.
        url = re.search(r"<(https://[^>]+)>", digest["List-Unsubscribe"]).group(1)
        path = url.removeprefix("https://papers.example.org")
        with httpx.Client(base_url=base) as mail_client:
            r = mail_client.post(
                path,
                content=b"List-Unsubscribe=One-Click",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        assert r.status_code == 200 and r.json() == {"ok": True, "status": "unsubscribed"}
    with session_factory() as session:
        row = session.scalars(select(Subscription)).one()
        assert row.status == "unsubscribed"
    assert (
        send_digests(runtime, cadence="daily", period=PERIOD.shifted(1), clock=lambda: NOW).planned
        == 0
    )


def test_unsubscribe_link_in_the_body_asks_before_acting(client, settings, session_factory):
    sub = subscribe_confirmed(session_factory, "ada@example.org")
    with session_factory() as session:
        token = subscriptions.unsubscribe_token_of(session.get(Subscription, sub.id))
    page = client.get(f"/unsubscribe?token={token}")
    assert page.status_code == 200 and "ada@example.org" in page.text
    # The List-Unsubscribe URL opened in a browser leads to the same page.
    opened = client.get(f"/api/digest/unsubscribe?token={token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/unsubscribe?token={token}"
    with session_factory() as session:
        assert session.get(Subscription, sub.id).status == "confirmed"
    r = client.post("/unsubscribe", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "You are unsubscribed" in r.text
    with session_factory() as session:
        assert session.get(Subscription, sub.id).status == "unsubscribed"


def test_subscribing_again_creates_no_duplicate_and_reveals_nothing(
    client, settings, session_factory, inbox
):
    first = post_form(client, "/subscribe", "/subscribe", {"email": "ada@example.org"})
    second = post_form(client, "/subscribe", "/subscribe", {"email": " ADA@example.org "})
    assert count_rows(session_factory) == 1
    assert len(inbox.wait(2)) == 2  # pending: a new link each time (rate limited)
    old, new = (TOKEN.search(m.get_body(("plain",)).get_content()).group(1) for m in inbox.messages)
    with session_scope(session_factory) as session:
        assert subscriptions.confirm(session, old, now=NOW) is None  # superseded
        assert subscriptions.confirm(session, new, now=NOW) is not None
    third = post_form(client, "/subscribe", "/subscribe", {"email": "ada@example.org"})
    assert count_rows(session_factory) == 1
    assert len(inbox.messages) == 2  # confirmed already: nothing is mailed
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 (CSRF tokens differ)
    assert strip(first.text) == strip(second.text) == strip(third.text)
    # A topic is another subscription of the same address.
    post_form(
        client,
        "/subscribe",
        "/subscribe",
        {"email": "ada@example.org", "topic": "Language  Models", "categories": "cs.cl"},
    )
    post_form(
        client,
        "/subscribe",
        "/subscribe",
        {"email": "ada@example.org", "topic": "language models", "categories": "CS.CL"},
    )
    assert count_rows(session_factory) == 2


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@example",
        "a b@example.org",
        "ada@exa mple.org",
        "ada@example.org\r\nBcc: all@example.org",
        "ada@example.org\nSubject: hi",
        "<ada@example.org>",
        "ada@example.org, eve@example.org",
        "x" * 300 + "@example.org",
    ],
)
def test_invalid_addresses_are_refused_clearly(client, session_factory, inbox, address):
    r = post_form(client, "/subscribe", "/subscribe", {"email": address, "period": "daily"})
    assert r.status_code == 400
    assert "valid email address" in r.text or "cannot be used" in r.text
    assert count_rows(session_factory) == 0 and inbox.messages == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic": "diffusion\r\nBcc: eve@example.org"}, "line breaks"),
        ({"topic": "x\u0000y"}, "line breaks"),
        ({"topic": "!!! ???"}, "no words"),
        ({"topic": "a" * 101}, "under 100"),
        ({"categories": "cs.CL\r\nBcc: eve"}, "not an arXiv category"),
        ({"categories": "<script>"}, "not an arXiv category"),
        ({"period": "hourly"}, "daily or weekly"),
    ],
)
def test_bad_topics_and_periods_are_refused(client, session_factory, inbox, fields, message):
    data = {"email": "ada@example.org", "period": "daily", **fields}
    r = post_form(client, "/subscribe", "/subscribe", data)
    assert r.status_code == 400 and message in r.text
    assert "<script>" not in r.text  # echoed input is escaped
    assert count_rows(session_factory) == 0 and inbox.messages == []


def test_subscribe_needs_the_csrf_token_and_is_rate_limited(app, settings, session_factory):
    from fastapi.testclient import TestClient

    assert TestClient(app).post("/subscribe", data={"email": "a@example.org"}).status_code == 403
    app.state.settings = settings.model_copy(update={"rate_limit_subscribe": "2/hour"})
    with TestClient(app) as client:
        codes = [
            post_form(
                client, "/subscribe", "/subscribe", {"email": f"a{n}@example.org"}
            ).status_code
            for n in range(3)
        ]
    assert codes == [200, 200, 429]


def test_forged_expired_and_superseded_tokens(client, settings, session_factory, inbox):
    post_form(client, "/subscribe", "/subscribe", {"email": "ada@example.org"})
    token = TOKEN.search(inbox.wait(1)[0].get_body(("plain",)).get_content()).group(1)
    ident, expires, signature = token[1:].split("-", 2)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        f"c{ident}-{expires}-{flipped}",  # a changed signature
        f"c{ident}-{int(expires) + 86400}-{signature}",  # a later expiry
        f"c{int(ident) + 1}-{expires}-{signature}",  # another subscription
        f"u{ident}-{signature}",  # the wrong kind
        "c1-2-3",
        "",
        "x" * 500,
        "c" + "9" * 40 + "-1-a",
        "c1-1-é",
    ]
    for bad in forged:
        page = client.get("/subscribe/confirm", params={"token": bad})
        assert page.status_code in (400,), bad
        r = post_form(client, "/subscribe", "/subscribe/confirm", {"token": bad})
        assert r.status_code == 400 and "does not work" in r.text, bad
    # Expired: the same link once its time has passed.
    with session_scope(session_factory) as session:
        late = NOW + timedelta(hours=settings.digest_confirm_hours, seconds=1)
        assert subscriptions.confirm(session, token, now=late) is None
    # Forged unsubscribe tokens are refused too, in the page and the one-click endpoint
    # (posted without cookies, as mail clients do).
    mail_client = type(client)(client.app)
    sub = subscribe_confirmed(session_factory, "bob@example.org")
    with session_factory() as session:
        good = subscriptions.unsubscribe_token_of(session.get(Subscription, sub.id))
    for bad in (
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        f"u{sub.id + 1}-{good.split('-', 1)[1]}",
        "",
        "u1",
        "garbage",
    ):
        r = mail_client.post("/api/digest/unsubscribe", params={"token": bad})
        assert r.status_code == 400 and r.json()["ok"] is False, bad
        assert client.get("/unsubscribe", params={"token": bad}).status_code == 400
    with session_factory() as session:
        assert session.get(Subscription, sub.id).status == "confirmed"


def test_members_manage_digests_on_their_account_page(client, settings, session_factory, inbox):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    r = post_form(
        client,
        "/account",
        "/subscribe",
        {"email": "ada@example.org", "period": "weekly", "topic": "graph networks"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/account?done=subscribed"
    assert inbox.messages == []  # the account's address is verified: no link needed
    page = client.get("/account")
    assert "graph networks" in page.text and "weekly" in page.text
    with session_factory() as session:
        row = session.scalars(select(Subscription)).one()
        assert (row.status, row.period) == ("confirmed", "weekly")
    # Another member cannot unsubscribe it.
    make_account(session_factory, "eve")
    with type(client)(client.app) as other:
        signed_in(other, "eve")
        post_form(other, "/account", f"/account/subscriptions/{row.id}/unsubscribe", {})
    with session_factory() as session:
        assert session.get(Subscription, row.id).status == "confirmed"
    r = post_form(client, "/account", f"/account/subscriptions/{row.id}/unsubscribe", {})
    assert r.status_code == 303
    with session_factory() as session:
        assert session.get(Subscription, row.id).status == "unsubscribed"
    assert "graph networks" not in client.get("/account").text


def test_deleting_an_account_deletes_its_subscriptions(client, session_factory):
    from members import PASSWORD

    make_account(session_factory, "ada")
    subscribe_confirmed(session_factory, "ada@example.org")  # made before signing in
    signed_in(client, "ada")
    post_form(client, "/account", "/subscribe", {"email": "ada@example.org", "period": "weekly"})
    assert count_rows(session_factory) == 2
    r = post_form(client, "/account", "/account/delete", {"password": PASSWORD})
    assert r.status_code == 200
    assert count_rows(session_factory) == 0
