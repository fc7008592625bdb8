"""Job locks in the database: one process at a time runs a job (``digest-daily``,
``ingest-arxiv``) for a period, however many workers or cron jobs are started.

A lock row is claimed by inserting it (the primary key settles a race), or by taking over a
row whose holder is gone: its lease expired (holders renew it while they run), or it was held
by a process of this host that no longer exists (a crash: no need to wait for the lease). A
takeover is a compare-and-set on the old holder, so two processes never both win it.
``finished_at`` records that the job is done for that period: the worker does not run it
again; ``paperfeed digest send`` may (the outbox makes that harmless).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.accounts.secrets import new_token
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import JobLock

DEFAULT_LEASE = timedelta(minutes=10)


def new_holder() -> str:
    """``host:pid:random``: who holds a lock, and whether it may still be alive."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{new_token()[:10]}"


def holder_alive(holder: str) -> bool:
    """False only when the holder certainly is gone: a process of this host that has exited.
    Holders on other hosts are trusted until their lease expires."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def acquire(
    sessions: sessionmaker[Session],
    job: str,
    period_key: str,
    *,
    holder: str,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    rerun: bool = False,
) -> bool:
    """Claim ``job`` for ``period_key``. False if another live holder has it, or (unless
    ``rerun``) it already finished."""
    with session_scope(sessions) as session:
        row = session.get(JobLock, (job, period_key), with_for_update=True)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        JobLock(
                            job=job,
                            period_key=period_key,
                            holder=holder,
                            acquired_at=now,
                            expires_at=now + lease,
                        )
                    )
            except IntegrityError:  # another process inserted it first
                return False
            return True
        if row.finished_at is not None and not rerun:
            return False
        busy = row.finished_at is None and row.expires_at > now and holder_alive(row.holder)
        if row.holder != holder and busy:
            return False
        taken = session.execute(
            update(JobLock)
            .where(
                JobLock.job == job,
                JobLock.period_key == period_key,
                JobLock.holder == row.holder,
            )
            .values(holder=holder, acquired_at=now, expires_at=now + lease, finished_at=None)
            .execution_options(synchronize_session=False)
        )
        return taken.rowcount == 1


def renew(
    sessions: sessionmaker[Session],
    job: str,
    period_key: str,
    *,
    holder: str,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Extend the lease; False if the lock is no longer ours (then stop working)."""
    with session_scope(sessions) as session:
        result = session.execute(
            update(JobLock)
            .where(JobLock.job == job, JobLock.period_key == period_key, JobLock.holder == holder)
            .values(expires_at=now + lease)
        )
        return result.rowcount == 1


def release(
    sessions: sessionmaker[Session],
    job: str,
    period_key: str,
    *,
    holder: str,
    now: datetime,
    finished: bool,
) -> None:
    """Let go: ``finished`` marks the job done for the period; otherwise the next process
    may claim it at once (the lease ends now)."""
    values: dict = {"expires_at": now}
    if finished:
        values["finished_at"] = now
    with session_scope(sessions) as session:
        session.execute(
            update(JobLock)
            .where(JobLock.job == job, JobLock.period_key == period_key, JobLock.holder == holder)
            .values(**values)
        )


def lock_holder(session: Session, job: str, period_key: str) -> JobLock | None:
    return session.get(JobLock, (job, period_key))
