"""Personal digests (a member's For you list or Following feed by email) against a real SMTP
server, on both databases: what is sent and why, a paper suggested at most once across the
member's digests, a crash between fixing a digest's contents and sending it, released
papers, and one-click unsubscribe."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from digest_helpers import DAY, DAY_KEY, NOW, PERIOD, outbox, paperfeed
from personal_helpers import fixed_for, mailed_ids, member, run, suggested
from sqlalchemy import select

from paperfeed.digest import subscriptions
from paperfeed.digest.outbox import MEMBER_BANNED
from paperfeed.digest.periods import period_from_key
from paperfeed.digest.personal import personal_digests, set_personal_digest
from paperfeed.digest.personal_run import NOTHING_NEW
from paperfeed.digest.suggestions import Sources, fix
from paperfeed.library.feedback import NOT_INTERESTED, set_feedback
from paperfeed.library.prefs import set_prefs
from paperfeed.runtime import Runtime
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import Subscription
from paperfeed.store.library_models import PaperSeen
from paperfeed.store.models import Paper, User

CL = ["2611.00002", "2611.00004"]  # the day's cs.CL papers (digest_helpers.add_feed)


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


class CrashingSender:
    """The runtime's mailer, except that the ``crash_at``-th message kills the run before
    anything reaches the server."""

    def __init__(self, mailer, crash_at: int):
        self.mailer, self.crash_at, self.count = mailer, crash_at, 0

    @contextmanager
    def batch(self):
        with self.mailer.batch() as connection:
            self.connection = connection
            yield self

    def send(self, message):
        self.count += 1
        if self.count == self.crash_at:
            raise Crash()
        self.connection.send(message)


def test_for_you_digest_sends_the_members_papers_with_reasons_once(
    settings, runtime, session_factory, feed, inbox, client
):
    ada = member(session_factory, "ada", follows=["cs.CL"])
    report = run(runtime, PERIOD)
    assert (report.sent, report.skipped, report.remaining) == (1, 0, 0), report.summary()
    [message] = inbox.wait(1)
    assert message["To"] == "ada@example.org"
    assert message["Subject"].startswith("For you · ")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].startswith(f"<digest.{DAY_KEY}.")
    ids = mailed_ids(message)
    assert set(CL) <= set(ids) and len(ids) == len(set(ids))
    assert "2611.00090" not in ids and "2611.00091" not in ids  # not the day's papers
    text = message.get_body(("plain",)).get_content()
    assert "Because you follow cs.CL" in text
    assert "https://papers.example.org/for-you" in text
    assert "https://papers.example.org/account#personal-digests" in text
    # What was mailed is what the store says was suggested, by this digest.
    assert set(suggested(session_factory, ada.id)) == set(ids)
    assert fixed_for(session_factory, ada.id, DAY_KEY) == ids

    again = run(runtime, PERIOD)
    assert (again.sent, again.planned) == (0, 0) and len(inbox.messages) == 1

    token = inbox.link(message, "/unsubscribe")
    page = client.get(f"/unsubscribe?token={token}")
    assert "Stop sending the daily For you digest to ada@example.org?" in page.text
    # One click in the mail client (RFC 8058): no session, no cookie, no CSRF token.
    client.cookies.clear()
    r = client.post(
        f"/api/digest/unsubscribe?token={token}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    with session_factory() as session:
        assert personal_digests(session, ada.id)["for-you"].cadence is None


def test_a_paper_is_suggested_at_most_once_across_the_members_digests(
    settings, runtime, session_factory, paper_factory, feed, inbox
):
    ada = member(
        session_factory,
        "ada",
        follows=["cs.CL"],
        digests={"for-you": "daily", "following": "weekly"},
    )
    daily = run(runtime, PERIOD)
    assert daily.sent == 1
    first = mailed_ids(inbox.wait(1)[0])
    assert set(CL) <= set(first)

    # The week's Following feed holds the cs.CL papers of that day, already suggested, and
    # one more published that week: only that one is new.
    paper_factory(
        arxiv_id="2611.00077",
        title="A new language model benchmark",
        categories=("cs.CL",),
        feed_day=datetime(2026, 11, 17).date(),
        published_at=datetime(2026, 11, 17, 9, tzinfo=UTC),
        upvotes=3,
    )
    week = period_from_key("weekly", "2026-W47")
    weekly = run(runtime, week, cadence="weekly")
    assert weekly.sent == 1, weekly.summary()
    second = mailed_ids(inbox.wait(2)[1])
    assert second == ["2611.00077"]
    assert not set(first) & set(second)
    assert set(suggested(session_factory, ada.id)) == set(first) | set(second)

    # The next week's weekly digest has nothing new to say: no email, the row says why.
    later = run(runtime, week, cadence="weekly")
    assert later.sent == 0 and len(inbox.messages) == 2


def test_two_digests_of_one_run_never_share_a_paper(
    settings, runtime, session_factory, feed, inbox
):
    """For you and Following of the same day: whichever is fixed first takes a paper."""
    ada = member(session_factory, "ada", follows=["cs.CL"], digests={"for-you": "daily"})
    with session_scope(session_factory) as session:
        set_personal_digest(session, _account(session, ada.id), "following", "daily", now=NOW)
    report = run(runtime, PERIOD)
    got = [mailed_ids(m) for m in inbox.messages]
    flat = [a for ids in got for a in ids]
    assert len(flat) == len(set(flat)) and set(CL) <= set(flat)
    assert report.sent + report.skipped == 2
    rows = outbox(session_factory)  # one row per address: the last one wins in this map
    assert all(status in ("sent", "skipped") for status, _a, _e in rows.values())


def test_nothing_new_to_suggest_sends_nothing(settings, runtime, session_factory, feed, inbox):
    member(session_factory, "ada", follows=["math.AG"], digests={"following": "daily"})
    report = run(runtime, PERIOD)
    assert (report.sent, report.skipped) == (0, 1)
    assert inbox.messages == []
    assert outbox(session_factory)["ada@example.org"][2] == NOTHING_NEW


def test_a_banned_member_gets_no_personal_digest(settings, runtime, session_factory, feed, inbox):
    ada = member(session_factory, "ada", follows=["cs.CL"], digests={"following": "daily"})
    with session_scope(session_factory) as session:
        session.get(User, ada.id).banned_at = NOW  # what service.moderation.ban_user sets
    report = run(runtime, PERIOD)
    assert (report.sent, report.skipped) == (0, 1)
    assert inbox.messages == []
    assert outbox(session_factory)["ada@example.org"][2] == MEMBER_BANNED
    assert suggested(session_factory, ada.id) == {}  # nothing fixed, nothing held back


def test_a_crash_after_fixing_the_contents_resends_the_same_papers(
    settings, session_factory, paper_factory, feed, inbox
):
    members = [member(session_factory, name, follows=["cs.CL"]) for name in ("ada", "bob")]
    with Runtime.open(settings) as runtime, pytest.raises(Crash):
        run(runtime, PERIOD, sender=CrashingSender(runtime.mailer, crash_at=2))
    assert len(inbox.messages) == 1
    states = outbox(session_factory)
    sent_to = inbox.messages[0]["To"]
    crashed = next(m for m in members if m.email != sent_to)
    assert states[crashed.email][0] == "pending"
    fixed = fixed_for(session_factory, crashed.id, DAY_KEY)
    assert fixed  # fixed (committed) before the email was handed to the server

    # Meanwhile a hotter cs.CL paper arrives on the day: a fresh pick would include it.
    paper_factory(
        arxiv_id="2611.00088",
        title="Late language model paper",
        categories=("cs.CL",),
        feed_day=DAY,
        submitted_at=datetime(2026, 11, 19, 20, tzinfo=UTC),
        published_at=datetime(2026, 11, 19, tzinfo=UTC),
        upvotes=900,
    )
    with Runtime.open(settings) as runtime:
        report = run(runtime, PERIOD)
    assert (report.sent, report.remaining) == (1, 0), report.summary()
    got = inbox.by_recipient()
    assert all(len(messages) == 1 for messages in got.values()) and len(got) == 2
    assert mailed_ids(got[crashed.email][0]) == fixed
    assert "2611.00088" not in fixed


def test_papers_of_a_digest_not_sent_are_released(
    settings, runtime, session_factory, feed, handler, inbox
):
    ada = member(session_factory, "ada", follows=["cs.CL"])
    bob = member(session_factory, "bob", follows=["cs.CL"])
    handler.rcpt_replies["bob@example.org"] = ["550 5.1.1 no such user"] * 5
    with pytest.raises(Crash):
        run(runtime, PERIOD, sender=CrashingSender(runtime.mailer, crash_at=1))
    first = fixed_for(session_factory, ada.id, DAY_KEY) or fixed_for(
        session_factory, bob.id, DAY_KEY
    )
    assert first
    # Whoever's digest was fixed before the crash: Ada unsubscribes with her link.
    with session_scope(session_factory) as session:
        row = session.query(Subscription).filter_by(user_id=ada.id).one()
        subscriptions.unsubscribe(session, subscriptions.unsubscribe_token_of(row), now=NOW)
    report = run(runtime, PERIOD)
    assert report.sent == 0 and report.failed == 1 and report.skipped == 1, report.summary()
    assert suggested(session_factory, ada.id) == {}  # unsubscribed since: given back
    assert suggested(session_factory, bob.id) == {}  # refused for good: given back
    assert inbox.messages == []


def test_dry_run_counts_personal_digests_and_writes_nothing(
    settings, runtime, session_factory, feed, inbox
):
    ada = member(session_factory, "ada", follows=["cs.CL"])
    member(session_factory, "bob", follows=["math.AG"], digests={"following": "daily"})
    report = run(runtime, PERIOD, dry_run=True)
    assert (report.sent, report.skipped) == (1, 1)
    assert suggested(session_factory, ada.id) == {} and inbox.messages == []


def _account(session, user_id):
    from paperfeed.accounts.users import Account
    from paperfeed.store.models import User

    return Account.of(session.get(User, user_id))


@pytest.mark.slow
def test_a_run_killed_mid_send_resumes_with_the_fixed_papers_and_no_duplicate(
    settings, session_factory, paper_factory, feed, handler, tmp_path
):
    """``paperfeed digest send`` killed (SIGKILL) while the server holds the 3rd message:
    the 3rd digest's contents were fixed before it was handed over, so the next run sends
    exactly those, even though a fresh pick would now differ; nobody gets two."""
    names = [f"reader{n}" for n in range(4)]
    readers = {f"{n}@example.org": member(session_factory, n, follows=["cs.CL"]) for n in names}
    handler.hang_at = 3
    first = paperfeed(settings, tmp_path, "digest", "send", "--period", "daily", "--key", DAY_KEY)
    assert handler.hung.wait(60), first.communicate(timeout=5)
    first.send_signal(signal.SIGKILL)  # no clean-up: the job lock stays behind
    first.wait(10)
    states = outbox(session_factory)
    assert sorted(s[0] for s in states.values()) == ["pending", "pending", "sent", "sent"]
    fixed = {a: fixed_for(session_factory, r.id, DAY_KEY) for a, r in readers.items()}
    hung = [a for a, s in states.items() if s[0] == "pending" and fixed[a]]
    untouched = [a for a, s in states.items() if s[0] == "pending" and not fixed[a]]
    assert len(hung) == 1 and len(untouched) == 1

    paper_factory(
        arxiv_id="2611.00088",
        title="Late language model paper",
        categories=("cs.CL",),
        feed_day=DAY,
        submitted_at=datetime(2026, 11, 19, 20, tzinfo=UTC),
        published_at=datetime(2026, 11, 19, tzinfo=UTC),
        upvotes=900,
    )
    handler.hang_at = None
    handler.release()
    second = paperfeed(settings, tmp_path, "digest", "send", "--period", "daily", "--key", DAY_KEY)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "2 sent" in out, out
    got = handler.by_recipient()
    assert sorted(got) == sorted(readers)
    assert all(len(messages) == 1 for messages in got.values())
    assert mailed_ids(got[hung[0]][0]) == fixed[hung[0]]  # the same papers, same order
    assert "2611.00088" in mailed_ids(got[untouched[0]][0])  # picked fresh after the crash
    assert {s[0] for s in outbox(session_factory).values()} == {"sent"}


def test_fresh_contents_page_past_what_was_suggested(settings, runtime, session_factory, feed):
    """The ranker is asked for a few more than the email needs, then for more pages, until
    enough papers are new to the member."""
    ada = member(
        session_factory,
        "ada",
        follows=["cs.CL", "cs.CV", "cs.LG", "cs.RO"],
        digests={"following": "daily"},
    )
    sources = Sources(runtime.search, None, timedelta(hours=24))
    with session_scope(session_factory) as session:
        order = [
            s.paper.arxiv_id
            for s in sources.ranked(session, "following", ada.id, PERIOD, first=100)
        ]
        assert len(order) == 5 and len(set(order)) == 5
        for n in range(5):
            [new] = sources.fresh(session, "following", ada.id, PERIOD, limit=1)  # pages of 2
            assert new.paper.arxiv_id == order[n]
            assert fix(session, None, ada.id, [new], now=NOW) == [new]
        assert sources.fresh(session, "following", ada.id, PERIOD, limit=1) == []
        assert fix(session, None, ada.id, [new], now=NOW) == []  # at most once, by the key


def test_the_for_you_digest_keeps_the_members_settings(
    settings, runtime, session_factory, feed, inbox
):
    """ "Not interested" hides a paper, and with "hide papers I have seen" so does one seen,
    as on the page; the member's mix ranks the list."""
    ada = member(session_factory, "ada", follows=["cs.RO"])
    with session_scope(session_factory) as session:
        set_feedback(session, ada.id, "2611.00001", NOT_INTERESTED, now=NOW)
        set_prefs(session, ada.id, hide_seen=True, mix=1.0, now=NOW)
        seen = session.scalar(select(Paper.id).where(Paper.arxiv_id == "2611.00003"))
        session.add(PaperSeen(user_id=ada.id, paper_id=seen, seen_at=NOW))
    assert run(runtime, PERIOD).sent == 1
    ids = mailed_ids(inbox.wait(1)[0])
    assert ids[0] == "2611.00005"  # only mine: the followed cs.RO paper first, 10 upvotes
    assert "2611.00001" not in ids and "2611.00003" not in ids
