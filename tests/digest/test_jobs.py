"""Crashes, the job lock, ``paperfeed digest send`` and ``paperfeed worker``: a run killed in
the middle resumes with no duplicate and no missing digest; two workers never run the same
job for the same period."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from digest_helpers import DAY_KEY, NOW, outbox, paperfeed, subscribe_confirmed

from paperfeed.cli import cli
from paperfeed.digest import locks
from paperfeed.digest.schedule import due_jobs
from paperfeed.store.digest_models import JobLock


@pytest.mark.slow
def test_a_run_killed_mid_send_resumes_without_duplicate_or_loss(
    settings, session_factory, feed, handler, tmp_path
):
    addresses = [f"reader{n}@example.org" for n in range(6)]
    for address in addresses:
        subscribe_confirmed(session_factory, address)
    handler.hang_at = 4  # the server stops answering in the middle of the 4th message
    first = paperfeed(settings, tmp_path, "digest", "send", "--period", "daily", "--key", DAY_KEY)
    assert handler.hung.wait(60), first.communicate(timeout=5)
    first.send_signal(signal.SIGKILL)  # a crash: no clean-up, the job lock stays behind
    first.wait(10)
    delivered = handler.by_recipient()
    assert sorted(delivered) == addresses[:3]
    states = outbox(session_factory)
    assert sorted(a for a, s in states.items() if s[0] == "sent") == addresses[:3]
    assert sorted(a for a, s in states.items() if s[0] == "pending") == addresses[3:]

    handler.hang_at = None
    handler.release()
    second = paperfeed(settings, tmp_path, "digest", "send", "--period", "daily", "--key", DAY_KEY)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "3 sent" in out
    got = handler.by_recipient()
    assert sorted(got) == addresses
    assert all(len(messages) == 1 for messages in got.values())
    assert {s[0] for s in outbox(session_factory).values()} == {"sent"}


def test_cli_send_dry_run_and_json(settings, session_factory, feed, inbox):
    subscribe_confirmed(session_factory, "ada@example.org")
    runner = CliRunner()
    dry = runner.invoke(
        cli, ["digest", "send", "--period", "daily", "--key", DAY_KEY, "--dry-run"], obj=settings
    )
    assert dry.exit_code == 0, dry.output
    assert "would send 1" in dry.output and inbox.messages == []
    sent = runner.invoke(
        cli, ["digest", "send", "--period", "daily", "--key", DAY_KEY, "--json"], obj=settings
    )
    assert sent.exit_code == 0, sent.output
    assert '"sent": 1' in sent.output and len(inbox.wait(1)) == 1
    bad = runner.invoke(
        cli, ["digest", "send", "--period", "daily", "--key", "2026-W47"], obj=settings
    )
    assert bad.exit_code == 1 and "invalid date" in bad.output
    bad = runner.invoke(cli, ["digest", "send", "--period", "monthly"], obj=settings)
    assert bad.exit_code == 2
    failing = runner.invoke(cli, ["digest", "list-failing"], obj=settings)
    assert failing.exit_code == 0 and "no failing addresses" in failing.output


def test_cli_unsubscribe_by_token(settings, session_factory):
    from paperfeed.digest import subscriptions
    from paperfeed.store.digest_models import Subscription

    sub = subscribe_confirmed(session_factory, "ada@example.org")
    with session_factory() as session:
        token = subscriptions.unsubscribe_token_of(session.get(Subscription, sub.id))
    runner = CliRunner()
    r = runner.invoke(cli, ["digest", "unsubscribe", f"unsubscribe {token}"], obj=settings)
    assert r.exit_code == 0 and "unsubscribed ada@example.org" in r.output
    r = runner.invoke(cli, ["digest", "unsubscribe", token + "x"], obj=settings)
    assert r.exit_code == 1 and "not a valid unsubscribe token" in r.output


def test_only_one_of_many_racing_workers_gets_the_lock(session_factory):
    holders = [f"host:{n}:x" for n in range(8)]
    start = threading.Barrier(len(holders))
    won: list[str] = []

    def claim(holder):
        start.wait()
        if locks.acquire(session_factory, "digest-daily", DAY_KEY, holder=holder, now=NOW):
            won.append(holder)

    threads = [threading.Thread(target=claim, args=(h,)) for h in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    winner = won[0]
    # Others still lose while the lease runs; a renewal keeps it.
    assert not locks.acquire(session_factory, "digest-daily", DAY_KEY, holder="other:1:y", now=NOW)
    assert locks.renew(session_factory, "digest-daily", DAY_KEY, holder=winner, now=NOW)
    assert not locks.renew(session_factory, "digest-daily", DAY_KEY, holder="other:1:y", now=NOW)
    # An expired lease may be taken over; the old holder then learns it lost the lock.
    later = NOW + locks.DEFAULT_LEASE + timedelta(seconds=1)
    assert locks.acquire(session_factory, "digest-daily", DAY_KEY, holder="other:1:y", now=later)
    assert not locks.renew(session_factory, "digest-daily", DAY_KEY, holder=winner, now=later)
    # Finished: the worker does not run it again; `digest send` may (rerun).
    locks.release(
        session_factory, "digest-daily", DAY_KEY, holder="other:1:y", now=later, finished=True
    )
    assert not locks.acquire(session_factory, "digest-daily", DAY_KEY, holder="w:2:z", now=later)
    assert locks.acquire(
        session_factory, "digest-daily", DAY_KEY, holder="w:2:z", now=later, rerun=True
    )


def test_a_lock_held_by_a_dead_process_of_this_host_is_taken_over(session_factory):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = f"{locks.new_holder().split(':')[0]}:{dead.pid}:abc"
    alive = locks.new_holder()  # this very process
    assert locks.acquire(session_factory, "digest-weekly", "2026-W47", holder=alive, now=NOW)
    assert not locks.acquire(session_factory, "digest-weekly", "2026-W47", holder="x:1:q", now=NOW)
    assert locks.acquire(session_factory, "digest-daily", DAY_KEY, holder=gone, now=NOW)
    assert locks.acquire(session_factory, "digest-daily", DAY_KEY, holder=alive, now=NOW)


def test_digest_send_refuses_while_another_process_holds_the_job(settings, session_factory, feed):
    subscribe_confirmed(session_factory, "ada@example.org")
    assert locks.acquire(
        session_factory,
        "digest-daily",
        DAY_KEY,
        holder="elsewhere:1:a",
        now=NOW + timedelta(days=3650),
        lease=timedelta(days=3650),
    )
    r = CliRunner().invoke(
        cli, ["digest", "send", "--period", "daily", "--key", DAY_KEY], obj=settings
    )
    assert r.exit_code == 1 and "is being sent by elsewhere:1:a" in r.output
    assert outbox(session_factory) == {}


def test_worker_once_sends_due_digests_once(settings, session_factory, feed, inbox):
    settings = settings.model_copy(update={"worker_ingest_set": None})
    subscribe_confirmed(session_factory, "ada@example.org")
    subscribe_confirmed(session_factory, "wk@example.org", cadence="weekly")
    runner = CliRunner()
    early = runner.invoke(cli, ["worker", "--once", "--at", "2026-11-20T05:00:00"], obj=settings)
    assert early.exit_code == 0 and inbox.messages == []  # before worker_digest_hour
    r = runner.invoke(cli, ["worker", "--once", "--at", "2026-11-20T07:00:00"], obj=settings)
    assert r.exit_code == 0, r.output
    assert [m["To"] for m in inbox.wait(1)] == ["ada@example.org"]
    assert "daily digest 2026-11-19: 1 sent" in r.output
    # The weekly digest of 2026-W46 had nothing on the feed: skipped, nothing sent.
    again = runner.invoke(cli, ["worker", "--once", "--at", "2026-11-20T08:00:00"], obj=settings)
    assert again.exit_code == 0 and len(inbox.messages) == 1
    with session_factory() as session:
        done = {(r.job, r.period_key) for r in session.query(JobLock) if r.finished_at}
    assert done == {("digest-daily", DAY_KEY), ("digest-weekly", "2026-W46")}


def test_schedule():
    from paperfeed.settings import Settings

    s = Settings(_env_file=None)
    names = lambda at: [(j.name, j.key) for j in due_jobs(at, s)]  # noqa: E731
    from datetime import UTC, datetime

    assert names(datetime(2026, 11, 23, 3, tzinfo=UTC)) == []  # Monday 03:00
    assert names(datetime(2026, 11, 23, 5, tzinfo=UTC)) == [("ingest-arxiv", "2026-11-22")]
    assert names(datetime(2026, 11, 23, 6, tzinfo=UTC)) == [
        ("ingest-arxiv", "2026-11-22"),
        ("digest-daily", "2026-11-22"),
        ("digest-weekly", "2026-W47"),
    ]
    assert ("digest-weekly", "2026-W47") in names(datetime(2026, 11, 29, 23, tzinfo=UTC))
    s = Settings(_env_file=None, worker_ingest_set=None, worker_weekly_weekday=2)
    assert names(datetime(2026, 11, 24, 7, tzinfo=UTC)) == [("digest-daily", "2026-11-23")]


def test_worker_stops_cleanly_on_sigterm(settings, tmp_path):
    proc = paperfeed(settings, tmp_path, "worker", "--at", "2026-11-20T03:00:00")
    deadline = time.monotonic() + 30
    line = proc.stderr.readline()
    assert "started" in line, line
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    assert proc.returncode == 0 and "stopped" in err


def test_sigterm_ends_a_retry_backoff_at_once(settings, session_factory, feed, handler, tmp_path):
    subscribe_confirmed(session_factory, "ada@example.org")
    subscribe_confirmed(session_factory, "bob@example.org")
    handler.rcpt_replies["ada@example.org"] = ["451 4.3.0 try again later"] * 10
    slow_retries = {"PAPERFEED_DIGEST_RETRY_SECONDS": "30", "PAPERFEED_DIGEST_SEND_ATTEMPTS": "3"}
    args = ("digest", "send", "--period", "daily", "--key", DAY_KEY)
    proc = paperfeed(settings, tmp_path, *args, env=slow_retries)
    assert handler.refused.wait(30), proc.communicate(timeout=5)
    time.sleep(0.2)  # into the 30 s backoff
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5, "SIGTERM waited for the backoff"
    assert proc.returncode == 1 and "interrupted" in err + out
    assert outbox(session_factory) == {
        "ada@example.org": ("pending", 1, "451 4.3.0 try again later"),
        "bob@example.org": ("pending", 0, None),
    }
    assert handler.messages == []
