"""Digest messages: nothing a subscriber typed can add a header (CR/LF), whatever path it
takes into the message."""

from __future__ import annotations

import email
import email.policy

import pytest
from digest_helpers import NOW, PERIOD, subscribe_confirmed

from paperfeed.digest import message as mail
from paperfeed.digest.runner import send_digests
from paperfeed.digest.subscriptions import Topic
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import Subscription


def body(settings, topic=Topic()):
    return mail.render_body(settings, cadence="daily", period=PERIOD, topic=topic, items=[])


@pytest.mark.parametrize(
    "field",
    ["to", "message_id"],
)
def test_control_characters_never_reach_a_header(settings, field):
    values = {"to": "ada@example.org", "message_id": "<a@b>"}
    values[field] += "\r\nBcc: eve@example.org"
    with pytest.raises(ValueError):
        mail.digest(
            settings, body(settings), cadence="daily", unsubscribe_token="u1-abc", now=NOW, **values
        )
    with pytest.raises(ValueError):
        mail.digest(
            settings,
            body(settings),
            cadence="daily",
            to="a@example.org",
            message_id="<a@b>",
            unsubscribe_token="u1-a\r\nBcc: x",
            now=NOW,
        )


def test_a_stored_topic_with_line_breaks_stays_in_its_subject(
    settings, runtime, session_factory, feed, inbox
):
    # Written straight into the store (the web form refuses it): the subject is one line.
    sub = subscribe_confirmed(session_factory, "ada@example.org", topic="language models")
    with session_scope(session_factory) as session:
        session.get(
            Subscription, sub.id
        ).topic_query = "language\r\nBcc: eve@example.org\r\n models"
    report = send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW)
    assert report.sent == 1
    [received] = inbox.wait(1)
    assert received["Bcc"] is None
    assert "\n" not in received["Subject"] and "Bcc: eve" in received["Subject"]
    raw = received.as_bytes(policy=email.policy.SMTP)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and [m["To"] for m in inbox.messages] == ["ada@example.org"]


def test_one_line():
    assert mail.one_line("a\r\nb\tc\x00d  e") == "a b c d e"


def test_markup_in_papers_is_text_in_both_parts(
    settings, runtime, session_factory, paper_factory, inbox
):
    from datetime import UTC, datetime

    from digest_helpers import DAY

    paper_factory(
        arxiv_id="2611.00077",
        title="A framework called <projektor> & co",
        abstract="It beats <img src=x onerror=alert(1)> and </td></table> layouts.",
        authors=("<b>Eve</b> Example",),
        feed_day=DAY,
        published_at=datetime(2026, 11, 18, tzinfo=UTC),
        upvotes=5,
    )
    subscribe_confirmed(session_factory, "ada@example.org")
    assert send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW).sent
    [received] = inbox.wait(1)
    html = received.get_body(("html",)).get_content()
    text = received.get_body(("plain",)).get_content()
    assert "<projektor>" not in html and "&lt;projektor&gt; &amp; co" in html
    assert "<img" not in html and "</td></table> layouts" not in html and "<b>Eve" not in html
    assert "A framework called <projektor> & co" in text  # plain text is not HTML-escaped
    assert "<img src=x onerror=alert(1)>" in text
