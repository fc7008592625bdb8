"""The outbox against a real SMTP server: what is sent, what is skipped, and that failures
and crashes never send a digest twice or lose one."""

from __future__ import annotations

import email.utils

import pytest
from digest_helpers import NOW, PERIOD, outbox, subscribe_confirmed

from paperfeed.digest.runner import send_digests
from paperfeed.runtime import Runtime
from paperfeed.store.digest_models import Subscription
from smtp import Inbox, smtp_server


def run(runtime, **kwargs):
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("sleep", lambda s: None)
    return send_digests(runtime, cadence="daily", period=PERIOD, **kwargs)


def run_with(settings, **kwargs):
    """:func:`run` on a runtime of these settings."""
    with Runtime.open(settings) as runtime:
        return run(runtime, **kwargs)


def test_trending_digest_is_sent_once_with_its_headers(
    settings, runtime, session_factory, feed, inbox
):
    subscribe_confirmed(session_factory, "ada@example.org")
    report = run(runtime)
    assert (report.sent, report.skipped, report.failed, report.remaining) == (1, 0, 0, 0)
    [message] = inbox.wait(1)
    assert message["To"] == "ada@example.org"
    assert "Trending papers" in message["Subject"] and "Nov 19" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"]
    assert "<https://papers.example.org/api/digest/unsubscribe?token=u" in unsubscribe
    assert "<mailto:digest@papers.example.org?subject=unsubscribe%20u" in unsubscribe
    assert message["Message-ID"].startswith("<digest.2026-11-19.")
    assert email.utils.parsedate_to_datetime(message["Date"]) == NOW
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # The five papers of the day, best first; not the day before's or the day after's.
    titles = [
        "Diffusion models for video",
        "Scaling laws",
        "Graph neural",
        "Retrieval-augmented",
        "Robot grasping",
    ]
    positions = [text.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "Old diffusion" not in text and "Tomorrow" not in text
    assert "https://papers.example.org/papers/2611.00001" in text
    assert 'href="https://papers.example.org/papers/2611.00001"' in html
    assert 'style="' in html and "<style" not in html  # inline styles only
    assert (
        "https://papers.example.org/unsubscribe?token=u" in text and "unsubscribe?token=u" in html
    )

    again = run(runtime)  # a second run sends nothing more
    assert (again.sent, again.planned) == (0, 0)
    assert len(inbox.messages) == 1


def test_digest_papers_setting_limits_the_list(settings, session_factory, feed, inbox):
    subscribe_confirmed(session_factory, "ada@example.org")
    run_with(settings.model_copy(update={"digest_papers": 2}))
    text = inbox.wait(1)[0].get_body(("plain",)).get_content()
    assert "Scaling laws" in text and "Graph neural" not in text


def test_topic_digest_has_only_matches_and_no_match_is_skipped(
    settings, runtime, session_factory, feed, inbox
):
    subscribe_confirmed(session_factory, "lm@example.org", topic="language models")
    subscribe_confirmed(session_factory, "cl@example.org", categories="cs.CL")
    subscribe_confirmed(session_factory, "none@example.org", topic="quantum chromodynamics")
    report = run(runtime)
    assert (report.sent, report.skipped) == (2, 1)
    got = inbox.by_recipient()
    assert "none@example.org" not in got  # no empty email
    lm = got["lm@example.org"][0].get_body(("plain",)).get_content()
    assert "Scaling laws" in lm and "Retrieval-augmented" in lm and "Robot" not in lm
    cl = got["cl@example.org"][0].get_body(("plain",)).get_content()
    assert "Scaling laws" in cl and "Diffusion" not in cl
    rows = outbox(session_factory)
    assert rows["none@example.org"][0] == "skipped"
    assert "no paper" in rows["none@example.org"][2]
    assert rows["lm@example.org"][0] == "sent"


def test_unconfirmed_and_unsubscribed_get_nothing(settings, runtime, session_factory, feed, inbox):
    from paperfeed.digest import subscriptions
    from paperfeed.store.db import session_scope

    with session_scope(session_factory) as session:
        subscriptions.subscribe(
            session,
            email="pending@example.org",
            cadence="daily",
            now=NOW,
            confirm_ttl=__import__("datetime").timedelta(hours=1),
        )
    gone = subscribe_confirmed(session_factory, "gone@example.org")
    with session_scope(session_factory) as session:
        row = session.get(Subscription, gone.id)
        subscriptions.unsubscribe(session, subscriptions.unsubscribe_token_of(row), now=NOW)
    subscribe_confirmed(session_factory, "weekly@example.org", cadence="weekly")
    report = run(runtime)
    assert report.sent == 0 and inbox.messages == []


@pytest.mark.parametrize("reply", ["421 4.7.0 too busy", "451 4.3.0 try again later"])
def test_transient_refusals_are_retried(settings, runtime, session_factory, feed, handler, reply):
    for name in ("a", "b", "c"):
        subscribe_confirmed(session_factory, f"{name}@example.org")
    handler.rcpt_replies["b@example.org"] = [reply, reply]
    report = run(runtime)
    assert report.ok and report.sent == 3
    assert sorted(handler.by_recipient()) == ["a@example.org", "b@example.org", "c@example.org"]
    assert all(len(v) == 1 for v in handler.by_recipient().values())
    assert outbox(session_factory)["b@example.org"][:2] == ("sent", 3)


def test_dropped_connections_are_retried_without_duplicates(
    settings, runtime, session_factory, feed, handler
):
    for n in range(6):
        subscribe_confirmed(session_factory, f"r{n}@example.org")
    handler.drop_at = {2, 5}  # the server hangs up in the middle of two messages
    report = run(runtime)
    assert report.ok and report.sent == 6
    got = handler.by_recipient()
    assert len(got) == 6 and all(len(v) == 1 for v in got.values())


def test_server_down_stops_the_run_and_the_next_run_sends_the_rest(
    settings, runtime, session_factory, feed, handler
):
    for n in range(4):
        subscribe_confirmed(session_factory, f"s{n}@example.org")
    handler.rcpt_replies["s1@example.org"] = ["421 4.3.2 shutting down"] * 10
    first = run(runtime)
    assert not first.ok and "421" in first.stopped
    assert first.sent == 1 and first.remaining == 3
    assert list(handler.by_recipient()) == ["s0@example.org"]
    handler.rcpt_replies.clear()
    second = run(runtime)
    assert second.ok and second.sent == 3 and second.remaining == 0
    got = handler.by_recipient()
    assert sorted(got) == [f"s{n}@example.org" for n in range(4)]
    assert all(len(v) == 1 for v in got.values())


def test_permanent_refusals_mark_the_address_failing(
    settings, runtime, session_factory, feed, handler, client, paper_factory
):
    from datetime import date

    from paperfeed.digest.periods import period_from_key

    paper_factory(arxiv_id="2611.00093", feed_day=date(2026, 11, 21), upvotes=3)
    subscribe_confirmed(session_factory, "ok@example.org")
    subscribe_confirmed(session_factory, "bad@example.org")
    handler.rcpt_replies["bad@example.org"] = ["550 5.1.1 no such user"] * 10
    days = ["2026-11-18", "2026-11-19", "2026-11-20"]  # the feed has papers on each
    for day in days:
        report = send_digests(
            runtime,
            cadence="daily",
            period=period_from_key("daily", day),
            clock=lambda: NOW,
            sleep=lambda s: None,
        )
        assert report.ok and report.sent == 1 and report.failed == 1
    with session_factory() as session:
        bad = session.query(Subscription).filter_by(email="bad@example.org").one()
        assert bad.status == "failing" and bad.failure_count == 3 and "550" in bad.last_failure
    assert outbox(session_factory)["bad@example.org"][0] == "failed"  # the 2026-11-19 row
    # Skipped from now on, and shown to admins.
    later = send_digests(
        runtime,
        cadence="daily",
        period=period_from_key("daily", "2026-11-21"),
        clock=lambda: NOW,
        sleep=lambda s: None,
    )
    assert later.planned == 1
    assert [m["To"] for m in handler.messages].count("bad@example.org") == 0
    from members import make_account, signed_in

    make_account(session_factory, "grace", role="admin")
    signed_in(client, "grace")
    page = client.get("/admin/digests")
    assert page.status_code == 200
    assert "bad@example.org" in page.text and "550 5.1.1 no such user" in page.text


def test_dry_run_sends_and_writes_nothing(settings, runtime, session_factory, feed, inbox):
    subscribe_confirmed(session_factory, "ada@example.org")
    subscribe_confirmed(session_factory, "none@example.org", topic="quantum chromodynamics")
    report = run(runtime, dry_run=True)
    assert (report.sent, report.skipped) == (1, 1)
    assert "would send 1" in report.summary()
    assert inbox.messages == [] and outbox(session_factory) == {}


def test_no_smtp_server_configured_is_a_clear_error(settings, session_factory, feed):
    from paperfeed.errors import InvalidInput

    subscribe_confirmed(session_factory, "ada@example.org")
    with pytest.raises(InvalidInput, match="PAPERFEED_SMTP_HOST"):
        run_with(settings.model_copy(update={"smtp_host": None}))
    assert outbox(session_factory) == {}


def test_non_ascii_addresses_are_sent_with_smtputf8(
    settings, runtime, session_factory, feed, handler
):
    subscribe_confirmed(session_factory, "josé@example.org")
    subscribe_confirmed(session_factory, "ada@example.org")
    report = run(runtime)
    assert report.ok and report.sent == 2, report.summary()
    [message] = handler.by_recipient()["josé@example.org"]
    assert "Trending papers" in message["Subject"]
    assert "2611.00001" in message.get_body(("plain",)).get_content()


def test_a_server_without_smtputf8_fails_only_that_address(settings, session_factory, feed):
    # Many servers do not offer SMTPUTF8: that subscriber's digest fails, everyone else's
    # goes out, and the next run is not stuck on it.
    subscribe_confirmed(session_factory, "josé@example.org")
    subscribe_confirmed(session_factory, "ada@example.org")
    inbox = Inbox()
    with smtp_server(inbox, enable_SMTPUTF8=False) as plain:
        report = run_with(settings.model_copy(update={"smtp_port": plain.port}))
        assert report.ok and (report.sent, report.failed) == (1, 1), report.summary()
        assert [m["To"] for m in inbox.wait(1)] == ["ada@example.org"]
    status, _, error = outbox(session_factory)["josé@example.org"]
    assert status == "failed" and "SMTPUTF8" in error
