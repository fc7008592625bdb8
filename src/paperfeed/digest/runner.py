"""One digest job, as ``paperfeed digest send`` and ``paperfeed worker`` run it: open the
search it needs, take the job lock for (cadence, period), run the outbox, let go.

Search by meaning (and its model, seconds to load) is opened only when a subscription of the
cadence has a topic query, and only where the site has it turned on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.digest import locks
from paperfeed.digest.outbox import DigestRun, RunReport
from paperfeed.digest.periods import Cadence, period_key
from paperfeed.digest.selection import Selector
from paperfeed.errors import Conflict, InvalidInput
from paperfeed.mail import make_sender
from paperfeed.service.periods import Period
from paperfeed.settings import Settings
from paperfeed.store.db import make_sessionmaker
from paperfeed.store.digest_models import Subscription


class JobBusy(Conflict):
    """Another process holds the job lock of this period."""


def job_name(cadence: Cadence) -> str:
    return f"digest-{cadence}"


def _needs_semantic(sessions: sessionmaker[Session], cadence: Cadence) -> bool:
    with sessions() as session:
        found = session.scalar(
            select(Subscription.id)
            .where(
                Subscription.period == cadence,
                Subscription.status == "confirmed",
                Subscription.topic_query != "",
            )
            .limit(1)
        )
    return found is not None


def _open_search(stack: ExitStack, settings: Settings, engine: Engine, semantic: bool):
    from paperfeed.search import open_backend, sync_at_startup

    backend = open_backend(settings, engine)
    stack.callback(backend.close)
    sync_at_startup(backend)
    if not (semantic and settings.semantic_search):
        return backend, None
    from paperfeed.embed.model import get_embedder
    from paperfeed.search.semantic import SemanticSearch
    from paperfeed.search.sync import open_vector_index, sync_vector_at_startup

    index = open_vector_index(settings, engine, settings.embedding_model)
    sync_vector_at_startup(index)
    search = SemanticSearch(get_embedder(settings.embedding_model), index)
    stack.callback(search.close)
    return backend, search


def send_digests(
    settings: Settings,
    engine: Engine,
    *,
    cadence: Cadence,
    period: Period,
    dry_run: bool = False,
    sender=None,
    holder: str | None = None,
    rerun: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], object] = time.sleep,
    lease: timedelta = locks.DEFAULT_LEASE,
    stop: threading.Event | None = None,
) -> RunReport:
    """Send (or with ``dry_run`` count) the ``cadence`` digests of ``period``.

    ``stop`` (set by SIGTERM in the CLI) ends the run after the digest in hand, and ends a
    retry's backoff at once: it stands for both ``should_stop`` and ``sleep``.

    Raises :class:`JobBusy` if another process is running this job, and InvalidInput if no
    SMTP server is configured (digests are never "sent" to the log).
    """
    if sender is None and not settings.smtp_host and not dry_run:
        raise InvalidInput(
            "no SMTP server is configured: set PAPERFEED_SMTP_HOST (or use --dry-run)"
        )
    if stop is not None:
        should_stop, sleep = stop.is_set, stop.wait
    sessions = make_sessionmaker(engine)
    key = period_key(period)
    job = job_name(cadence)
    holder = holder or locks.new_holder()

    def prepare(stack: ExitStack, on_batch: Callable[[], bool]) -> DigestRun:
        semantic = _needs_semantic(sessions, cadence)
        backend, meaning = _open_search(stack, settings, engine, semantic)
        selector = Selector(
            backend,
            meaning,
            limit=settings.digest_papers,
            half_life=timedelta(hours=settings.trending_half_life_hours),
            min_similarity=settings.digest_topic_min_similarity,
        )
        return DigestRun(
            sessions,
            sender or make_sender(settings),
            selector,
            settings,
            cadence=cadence,
            period=period,
            clock=clock,
            sleep=sleep,
            should_stop=should_stop,
            on_batch=on_batch,
        )

    if dry_run:
        with ExitStack() as stack:
            return prepare(stack, lambda: True).dry_run()
    # The lock first: a worker polling a job that is done opens nothing.
    if not locks.acquire(sessions, job, key, holder=holder, now=clock(), lease=lease, rerun=rerun):
        with sessions() as session:
            row = locks.lock_holder(session, job, key)
        if row is not None and row.finished_at is not None and not rerun:
            raise JobBusy(f"the {cadence} digest of {key} was already sent")
        who = row.holder if row is not None else "another process"
        raise JobBusy(f"the {cadence} digest of {key} is being sent by {who}")

    def renew() -> bool:
        return locks.renew(sessions, job, key, holder=holder, now=clock(), lease=lease)

    report = None
    try:
        with ExitStack() as stack:
            report = prepare(stack, renew).run()
    finally:
        finished = report is not None and report.ok and report.remaining == 0
        locks.release(sessions, job, key, holder=holder, now=clock(), finished=finished)
    return report
