"""A subscriber's unsubscribe token goes where the digest puts it for them (the
List-Unsubscribe header and the unsubscribe link of each part) and nowhere else: not into
a title, an abstract or a topic that spells the placeholder the body once used for it
(issue 12 item 5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from digest_helpers import DAY, NOW, PERIOD, subscribe_confirmed

from paperfeed.digest import message as mail
from paperfeed.digest.runner import send_digests
from paperfeed.digest.subscriptions import Topic, unsubscribe_token_of
from paperfeed.store.digest_models import Subscription

# The fixed placeholder that every part of the body had replaced by the subscriber's token.
OLD_SLOT = "UNSUBSCRIBE-TOKEN-SLOT-9c1e"


def test_the_placeholder_in_a_title_an_abstract_and_a_topic_never_carries_the_token(
    settings, runtime, session_factory, paper_factory, inbox
):
    paper_factory(
        arxiv_id="2611.00077",
        title=f"Attack {OLD_SLOT} in a title",
        abstract=f"Our code: https://evil.example/collect?t={OLD_SLOT} (attack words).",
        categories=("cs.CL",),
        feed_day=DAY,
        published_at=datetime(2026, 11, 18, tzinfo=UTC),
        upvotes=5,
    )
    sub = subscribe_confirmed(session_factory, "ada@example.org", topic=f"attack {OLD_SLOT}")
    report = send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW)
    assert report.sent == 1
    [received] = inbox.wait(1)
    with session_factory() as session:
        token = unsubscribe_token_of(session.get(Subscription, sub.id))

    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    # The title, the abstract and the topic keep the placeholder as they spelled it ...
    assert f"Attack {OLD_SLOT} in a title" in text and f"Attack {OLD_SLOT} in a title" in html
    assert f"t={OLD_SLOT}" in text and f"attack {OLD_SLOT}" in received["Subject"]
    # ... and the token is in the one link of each part that is built for it, and the header.
    link = f"https://papers.example.org/unsubscribe?token={token}"
    assert text.count(token) == 1 and text.count(link) == 1
    assert html.count(token) == 1 and html.count(f'href="{link}"') == 1
    headers = {name: str(value) for name, value in received.items()}
    assert [n for n, v in headers.items() if token in v] == ["List-Unsubscribe"]
    assert headers["List-Unsubscribe"].count(token) == 2  # the one-click URL and the mailto
    assert "evil.example/collect?t=u" not in text + html


def test_a_body_is_split_where_the_token_goes(settings):
    def render():
        return mail.render_body(settings, cadence="daily", period=PERIOD, topic=Topic(), items=[])

    one, two = render(), render()
    # Each part is split in two exactly where the link's token goes.
    assert one.text[0].endswith("unsubscribe?token=") and one.html[0].endswith("token=")
    for body in (one, two):
        joined = "TOKEN".join(body.text) + "TOKEN".join(body.html)
        assert not re.search(r"unsubscribe-slot-|" + OLD_SLOT, joined)
    message = mail.digest(
        settings,
        one,
        to="ada@example.org",
        cadence="daily",
        unsubscribe_token="u1-abc",
        message_id="<a@b>",
        now=NOW,
    )
    assert "unsubscribe?token=u1-abc" in message.get_payload()[0].get_payload(decode=True).decode()
