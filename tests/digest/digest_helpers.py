"""What the digest tests share: a scripted SMTP handler, the feed of the covered day, and
subscriptions made through the service. A module of its own name (not conftest) so test
files can import it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from paperfeed.digest import subscriptions
from paperfeed.digest.periods import period_from_key
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import DigestOutbox, Subscription
from smtp import Inbox

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the app's pinned clock
DAY = date(2026, 11, 19)  # the day the daily digest covers (yesterday)
DAY_KEY = "2026-11-19"
PERIOD = period_from_key("daily", DAY_KEY)


class Scripted(Inbox):
    """An ``Inbox`` whose answers tests choose per recipient:

    - ``rcpt_replies[address]``: a list of replies to RCPT TO, used up one per attempt
      (``"451 4.3.0 try later"``, ``"550 5.1.1 no such user"``); then 250. ``refused`` is
      set when one has been given.
    - ``drop_at``: message numbers (1-based, counting DATA commands) at which the server
      hangs up instead of answering; the message is not delivered.
    - ``hang_at``: the DATA number at which the server stops answering until ``release()``;
      ``hung`` is set when it gets there. The message is not delivered.
    """

    def __init__(self):
        super().__init__()
        self.rcpt_replies: dict[str, list[str]] = {}
        self.refused = threading.Event()
        self.drop_at: set[int] = set()
        self.hang_at: int | None = None
        self.hung = threading.Event()
        self._released = threading.Event()
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rcpt_replies.get(address)
        if replies:
            self.refused.set()
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        number = self.data_commands
        if number in self.drop_at:
            server.transport.close()
            return "421 closing"
        if self.hang_at == number:
            self.hung.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 gave up"
        return await super().handle_DATA(server, session, envelope)

    def release(self) -> None:
        self._released.set()

    def by_recipient(self) -> dict[str, list]:
        found: dict[str, list] = {}
        for m in self.messages:
            found.setdefault(m["To"], []).append(m)
        return found


def add_feed(paper_factory) -> list[str]:
    """Five papers on the feed of DAY (upvotes 50..10), one the day before, one after."""
    ids = []
    topics = [
        ("Diffusion models for video generation", "We train a video diffusion model.", "cs.CV"),
        ("Scaling laws of language models", "Loss falls as a power law in compute.", "cs.CL"),
        ("Graph neural networks for molecules", "Message passing predicts properties.", "cs.LG"),
        ("Retrieval-augmented generation at scale", "Retrieval helps language models.", "cs.CL"),
        ("Robot grasping with tactile sensing", "Touch improves grasp success.", "cs.RO"),
    ]
    for n, (title, abstract, category) in enumerate(topics):
        ids.append(
            paper_factory(
                arxiv_id=f"2611.{n + 1:05d}",
                title=title,
                abstract=abstract,
                categories=(category,),
                feed_day=DAY,
                submitted_at=datetime(2026, 11, 19, 8, n, tzinfo=UTC),
                published_at=datetime(2026, 11, 18, tzinfo=UTC),
                upvotes=50 - 10 * n,
            )
        )
    paper_factory(
        arxiv_id="2611.00090",
        title="Old diffusion paper of the day before",
        feed_day=DAY - timedelta(days=1),
        published_at=datetime(2026, 10, 1, tzinfo=UTC),
        upvotes=500,
    )
    paper_factory(
        arxiv_id="2611.00091",
        title="Tomorrow's diffusion paper",
        feed_day=DAY + timedelta(days=1),
        published_at=datetime(2026, 11, 20, tzinfo=UTC),
        upvotes=500,
    )
    return ids


def subscribe_confirmed(
    sessions, email: str, cadence: str = "daily", topic: str = "", categories: str = ""
):
    """A confirmed subscription made through the service (subscribe, then its link)."""
    with session_scope(sessions) as session:
        made = subscriptions.subscribe(
            session,
            email=email,
            cadence=cadence,
            topic=subscriptions.parse_topic(topic, categories),
            now=NOW,
            confirm_ttl=timedelta(hours=72),
        )
        if made.action == "confirm":
            return subscriptions.confirm(session, made.token, now=NOW)
        return made.subscription


def outbox(sessions) -> dict[str, tuple[str, int, str | None]]:
    """email -> (status, attempts, last error) of the DAY_KEY outbox rows."""
    with sessions() as session:
        rows = session.execute(
            select(
                Subscription.email,
                DigestOutbox.status,
                DigestOutbox.attempts,
                DigestOutbox.last_error,
            )
            .join(Subscription, Subscription.id == DigestOutbox.subscription_id)
            .where(DigestOutbox.period_key == DAY_KEY)
        ).all()
    return {email: (status, attempts, error) for email, status, attempts, error in rows}


def cli_env(settings) -> dict[str, str]:
    """The environment of a ``paperfeed`` subprocess using ``settings``' database and SMTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env.update(
        PAPERFEED_DATABASE_URL=settings.database_url,
        PAPERFEED_INDEX_DIR=str(settings.index_dir),
        PAPERFEED_SEMANTIC_SEARCH="false",
        PAPERFEED_SMTP_HOST=settings.smtp_host,
        PAPERFEED_SMTP_PORT=str(settings.smtp_port),
        PAPERFEED_SMTP_SECURITY="none",
        PAPERFEED_SMTP_TIMEOUT="60",
        PAPERFEED_BASE_URL=settings.base_url,
        PAPERFEED_MAIL_FROM=settings.mail_from,
        PAPERFEED_DIGEST_RETRY_SECONDS="0.01",
    )
    return env


def paperfeed(settings, tmp_path, *args, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``paperfeed *args`` in a process of its own (so it can be killed or sent SIGTERM)."""
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed", *args],
        env=cli_env(settings) | (env or {}),
        cwd=tmp_path,  # no stray .env
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
