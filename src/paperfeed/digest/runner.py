"""One digest job, as ``paperfeed digest send`` and ``paperfeed worker`` run it: take the
job lock for (cadence, period), get the search it needs from the runtime, run the outbox,
let go.

Search by meaning (and its model, seconds to load) is asked for only when a subscription of
the cadence has a topic query or is a personal digest (the For you ranking reads the vector
index; topic follows may search by meaning), and only where the site has it turned on. Topic queries are
embedded by the runtime's query embedder, the web's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.digest import locks
from paperfeed.digest.outbox import DigestRun, RunReport
from paperfeed.digest.periods import Cadence, period_key
from paperfeed.digest.personal import KEY_PREFIX
from paperfeed.digest.selection import Selector
from paperfeed.errors import Conflict, InvalidInput
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_at_startup, sync_vector_at_startup
from paperfeed.service.periods import Period
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
                or_(
                    Subscription.topic_query != "",
                    Subscription.topic_key.startswith(KEY_PREFIX, autoescape=True),
                ),
            )
            .limit(1)
        )
    return found is not None


def _open_search(runtime: Runtime, semantic: bool):
    """The keyword backend and (if ``semantic`` and the site has it) search by meaning, both
    brought up to date first."""
    backend = runtime.search
    sync_at_startup(backend)
    meaning = runtime.semantic if semantic else None
    if meaning is not None:
        sync_vector_at_startup(meaning.index)
    return backend, meaning


def send_digests(
    runtime: Runtime,
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
    """Send (or with ``dry_run`` count) the ``cadence`` digests of ``period``, through
    ``sender`` (default: the runtime's mailer).

    ``stop`` (set by SIGTERM in the CLI) ends the run after the digest in hand, and ends a
    retry's backoff at once: it stands for both ``should_stop`` and ``sleep``.

    Raises :class:`JobBusy` if another process is running this job, and InvalidInput if no
    SMTP server is configured (digests are never "sent" to the log).
    """
    settings = runtime.settings
    if sender is None and not settings.smtp_host and not dry_run:
        raise InvalidInput(
            "no SMTP server is configured: set PAPERFEED_SMTP_HOST (or use --dry-run)"
        )
    if stop is not None:
        should_stop, sleep = stop.is_set, stop.wait

    def prepare(on_batch: Callable[[], bool]) -> DigestRun:
        backend, meaning = _open_search(runtime, _needs_semantic(runtime.sessions, cadence))
        selector = Selector(
            backend,
            meaning,
            limit=settings.digest_papers,
            half_life=timedelta(hours=settings.trending_half_life_hours),
            min_similarity=settings.digest_topic_min_similarity,
        )
        return DigestRun(
            runtime.sessions,
            sender or runtime.mailer,
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
        return prepare(lambda: True).dry_run()
    lock = _JobLock(runtime.sessions, cadence, period_key(period), holder or locks.new_holder())
    return lock.run(prepare, clock=clock, lease=lease, rerun=rerun)


class _JobLock:
    """The lock of one digest job (cadence, period key), held by ``holder`` for one run."""

    def __init__(self, sessions: sessionmaker[Session], cadence: Cadence, key: str, holder: str):
        self.sessions, self.cadence, self.key, self.holder = sessions, cadence, key, holder
        self.job = job_name(cadence)

    def run(self, prepare, *, clock, lease: timedelta, rerun: bool) -> RunReport:
        """``prepare(renew).run()`` under the lock; finished if every digest went out."""
        sessions, job, key, holder = self.sessions, self.job, self.key, self.holder
        # The lock first: a worker polling a job that is done opens nothing.
        if not locks.acquire(
            sessions, job, key, holder=holder, now=clock(), lease=lease, rerun=rerun
        ):
            raise self._busy(rerun)

        def renew() -> bool:
            return locks.renew(sessions, job, key, holder=holder, now=clock(), lease=lease)

        report = None
        try:
            report = prepare(renew).run()
        finally:
            finished = report is not None and report.ok and report.remaining == 0
            locks.release(sessions, job, key, holder=holder, now=clock(), finished=finished)
        return report

    def _busy(self, rerun: bool) -> JobBusy:
        with self.sessions() as session:
            row = locks.lock_holder(session, self.job, self.key)
        if row is not None and row.finished_at is not None and not rerun:
            return JobBusy(f"the {self.cadence} digest of {self.key} was already sent")
        who = row.holder if row is not None else "another process"
        return JobBusy(f"the {self.cadence} digest of {self.key} is being sent by {who}")
