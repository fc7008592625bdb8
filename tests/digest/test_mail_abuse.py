"""Our mail server used against an inbox that did not ask (issue 12 item 8): sign-ups of one
address from many IPs, and a subscription topic (a stranger's free text) carried as a link
into the confirmation email and the digests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from digest_helpers import NOW, PERIOD, subscribe_confirmed
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from members import PASSWORD, csrf_of, post_form
from paperfeed.digest.runner import send_digests
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import Subscription
from paperfeed.store.models import User

# What mail clients make a link of: a scheme, www., a domain name, an address.
LINKABLE = re.compile(r"(?i)[a-z][a-z0-9+.-]*:/*\S|www\.|\w[\w-]*\.[a-z]{2,}|[\w.+-]@[\w-]")
EVIL_TOPIC = "diffusion https://evil.example/win-a-prize www.evil.example mail me@evil.example"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def html_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts), parser.hrefs


def test_sign_ups_of_one_address_from_six_ips_mail_it_at_most_the_limit(
    app, settings, session_factory, inbox
):
    app.state.settings = settings.model_copy(update={"rate_limit_signup_email": "3/hour"})
    answers = []
    for n in range(6):
        with TestClient(app, client=(f"198.51.100.{n + 1}", 40000)) as http:
            page = http.get("/signup")
            answers.append(
                http.post(
                    "/signup",
                    data={
                        "username": f"user{n}",
                        "email": "Victim@Example.org" if n % 2 else "victim@example.org",
                        "password": PASSWORD,
                        "csrf_token": csrf_of(page.text),
                    },
                ).status_code
            )
    assert answers == [200, 200, 200, 429, 429, 429]
    # One account (then "this address has an account" twice), three emails, nothing more.
    assert len(inbox.wait(3)) == 3 and {m["To"] for m in inbox.messages} == {"victim@example.org"}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_refused_sign_ups_do_not_use_up_the_address(app, client, settings, inbox):
    app.state.settings = settings.model_copy(update={"rate_limit_signup_email": "1/hour"})
    for _ in range(3):  # a password too short: nothing mailed, nothing counted
        r = post_form(
            client,
            "/signup",
            "/signup",
            {"username": "ada", "email": "ada@example.org", "password": "short"},
        )
        assert r.status_code == 400
    r = post_form(
        client,
        "/signup",
        "/signup",
        {"username": "ada", "email": "ada@example.org", "password": PASSWORD},
    )
    assert r.status_code == 200 and len(inbox.wait(1)) == 1


def assert_plain(part: str) -> None:
    assert "evil.example" not in part and "https://evil" not in part
    assert "evil[.]example" in part  # shown, as text


def test_a_topic_with_urls_is_plain_text_in_the_confirmation_and_the_digest(
    client, settings, runtime, session_factory, feed, inbox
):
    r = post_form(
        client, "/subscribe", "/subscribe", {"email": "ada@example.org", "topic": EVIL_TOPIC}
    )
    assert r.status_code == 200
    [confirmation] = inbox.wait(1)
    text = confirmation.get_body(("plain",)).get_content()
    html, hrefs = html_text(confirmation.get_body(("html",)).get_content())
    for part in (text, html):
        assert_plain(part)
        shown = re.search(r"about (.*?) at this address", part, re.S).group(1)
        assert "diffusion" in shown and not LINKABLE.search(shown), shown
    assert all(h.startswith("https://papers.example.org/") for h in hrefs) and len(hrefs) == 1

    token = re.search(r"token=([\w-]+)", text).group(1)
    page = client.get(f"/subscribe/confirm?token={token}")
    client.post("/subscribe/confirm", data={"token": token, "csrf_token": csrf_of(page.text)})
    report = send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW)
    assert report.sent == 1
    digest = inbox.wait(2)[1]
    text = digest.get_body(("plain",)).get_content()
    html, hrefs = html_text(digest.get_body(("html",)).get_content())
    assert_plain(digest["Subject"])
    for part in (text, html):
        assert_plain(part)
        assert "Diffusion models for video" in part  # the topic's papers came
    assert not [h for h in hrefs if "evil" in h]


def test_long_topics_are_refused_and_old_long_ones_are_cut_in_emails(
    client, settings, runtime, session_factory, feed, inbox
):
    r = post_form(
        client,
        "/subscribe",
        "/subscribe",
        {"email": "ada@example.org", "topic": "diffusion " + "x" * 100},
    )
    assert r.status_code == 400 and "under 100" in r.text
    # A topic of 200 characters stored before the limit was lowered: cut in the digest.
    sub = subscribe_confirmed(session_factory, "ada@example.org", topic="diffusion")
    long_topic = "diffusion " + " ".join(["spam"] * 38)  # 199 characters
    with session_scope(session_factory) as session:
        session.get(Subscription, sub.id).topic_query = long_topic
    assert send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW).sent
    [digest] = inbox.wait(1)
    text = digest.get_body(("plain",)).get_content()
    heading = text.splitlines()[0]
    assert long_topic not in text and "diffusion spam spam" in heading and "…" in heading
    assert len(re.search(r"“.*?…", heading).group(0)) <= 120


def test_reset_requests_for_one_address_do_not_use_up_a_look_alike(app, settings):
    # The per-address reset limit is keyed like the accounts are (identity.login_key): once
    # straße's allowance is spent, strasse still gets its own; Victim@ and victim@ share one.
    app.state.settings = settings.model_copy(update={"rate_limit_password_reset": "2/hour"})

    def ask(email: str, n: int) -> int:
        with TestClient(app, client=(f"198.51.100.{n}", 40000)) as http:
            page = http.get("/reset")
            return http.post(
                "/reset", data={"email": email, "csrf_token": csrf_of(page.text)}
            ).status_code

    assert [ask("victim@straße.test", n) for n in (1, 2, 3)] == [200, 200, 429]
    assert ask("victim@strasse.test", 4) == 200
    assert ask("victim@STRASSE.test", 5) == 200
    assert ask("victim@strasse.test", 6) == 429
