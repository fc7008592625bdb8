"""``paperfeed worker``: the long-running process that does the scheduled work, the daily
arXiv harvest and the email digests (see :mod:`paperfeed.digest.schedule`), and with the
``fulltext`` setting on, the full-text job once an hour (docs/fulltext.md).

Every job takes its lock in the database first, so several workers (or a worker and a cron
``paperfeed digest send``) never run the same job for the same period. SIGTERM or Ctrl-C:
the job in hand stops at its next safe point (a digest run after the digest being sent or at
once in a retry's backoff, a harvest after the page being stored), the lock is released, and
the worker exits 0.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from threading import Event

import click

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_runtime, require_migrated, translated_errors
from paperfeed.cli.digest import stop_on_sigterm
from paperfeed.cli.fulltext import run_fulltext_slot
from paperfeed.digest import locks
from paperfeed.digest.outbox import INTERRUPTED
from paperfeed.digest.runner import JobBusy, send_digests
from paperfeed.digest.schedule import Job, due_jobs
from paperfeed.errors import InvalidInput
from paperfeed.ingest.daily import HarvestStopped, harvest_day
from paperfeed.logs import configure_logging
from paperfeed.runtime import Runtime
from paperfeed.service.day_range import check_day
from paperfeed.service.indexing import after_ingest

logger = logging.getLogger(__name__)

RETRY_FAILED_JOB = timedelta(minutes=15)  # a failed job (arXiv down) is not retried sooner


@cli.command()
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit (for cron).")
@click.option(
    "--at",
    "at",
    metavar="TIME",
    help="Act as if it were this UTC time (ISO 8601), e.g. to run a missed day's jobs.",
)
def worker(once: bool, at: str | None) -> None:
    """Run the daily arXiv harvest and the email digests on their schedule.

    Schedule and harvest set come from the worker_* settings (docs/digests.md). Stops
    cleanly on SIGTERM.

    Example: paperfeed worker
    """
    settings = load_settings()
    pinned = _parse_time(at) if at else None
    with open_runtime(settings) as runtime, translated_errors():
        require_migrated(runtime.engine)
        # Like `paperfeed serve`: log lines in settings.log_format, INFO and up (DEBUG with
        # -v); set up after the migration check, whose INFO lines are noise here.
        verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
        configure_logging(settings.log_format, "DEBUG" if verbose else "INFO")
        holder = locks.new_holder()
        backoff: dict[tuple[str, str], datetime] = {}
        with stop_on_sigterm() as stop:
            click.echo(f"worker {holder} started", err=True)
            while not stop.is_set():
                now = pinned or datetime.now(UTC)
                for job in due_jobs(now, settings):
                    if stop.is_set():
                        break
                    if backoff.get((job.name, job.key), now) > now:
                        continue
                    if not _run(job, runtime, holder, stop):
                        backoff[(job.name, job.key)] = now + RETRY_FAILED_JOB
                if settings.fulltext and not stop.is_set():
                    run_fulltext_slot(runtime, holder, stop, now)
                if once:
                    break
                stop.wait(settings.worker_poll_seconds)
    click.echo(f"worker {holder} stopped", err=True)


def _run(job: Job, runtime: Runtime, holder: str, stop: Event) -> bool:
    """Run ``job`` if no one else has or is; False if it failed (retry later)."""
    try:
        if job.kind == "digest":
            report = send_digests(
                runtime,
                cadence=job.cadence,
                period=job.period,
                holder=holder,
                rerun=False,
                stop=stop,
            )
            click.echo(report.summary(), err=True)
            return report.ok or report.stopped == INTERRUPTED
        return _ingest(job, runtime, holder, stop)
    except JobBusy:
        return True  # done, or being done, by another process
    except HarvestStopped:
        return True  # SIGTERM: the worker is on its way out
    except Exception as exc:  # one failing job must not stop the worker
        logger.exception("job %s %s failed", job.name, job.key)
        click.echo(f"job {job.name} {job.key} failed: {type(exc).__name__}: {exc}", err=True)
        return False


def _ingest(job: Job, runtime: Runtime, holder: str, stop: Event) -> bool:
    """The arXiv OAI-PMH harvest of the job's day, as ``paperfeed ingest arxiv`` runs it, under
    the job lock (marked finished only when the whole day is in); the report is logged."""
    settings, sessions = runtime.settings, runtime.sessions
    if not locks.acquire(sessions, job.name, job.key, holder=holder, now=datetime.now(UTC)):
        return True
    finished = False
    try:
        report = harvest_day(settings, sessions, job.period.start, should_stop=stop.is_set)
        finished = True
    finally:
        locks.release(
            sessions, job.name, job.key, holder=holder, now=datetime.now(UTC), finished=finished
        )
    done = after_ingest(settings, runtime.engine, sessions, progress=sys.stderr.isatty())
    for text, warning in done.messages():
        logger.log(logging.WARNING if warning else logging.INFO, "%s", text)
    logger.info("%s", report.summary())
    return True


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.ClickException(f"--at: not an ISO 8601 time: {text[:40]!r}") from None
    try:  # 9999-12-31T23:00-05:00 is past the last UTC day: OverflowError
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        check_day(value.date(), "--at")  # the schedule looks a week back from it
    except (InvalidInput, OverflowError):
        raise click.ClickException(f"--at {text[:40]!r} is out of range") from None
    return value
