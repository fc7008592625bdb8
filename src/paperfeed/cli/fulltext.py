"""``paperfeed ingest fulltext``: the full-text job by hand (docs/fulltext.md)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from threading import Event

import click

from paperfeed.cli.common import load_settings, open_runtime, require_migrated, translated_errors
from paperfeed.cli.digest import stop_on_sigterm
from paperfeed.cli.ingest import ingest
from paperfeed.digest import locks
from paperfeed.runtime import Runtime

logger = logging.getLogger(__name__)

# Papers per hourly worker run: at the polite 3 s a request, well inside the job lock's lease.
WORKER_SLOT_PAPERS = 150


@ingest.command("fulltext")
@click.option("--limit", type=click.IntRange(min=1), help="Fetch at most this many papers.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest_fulltext(limit: int | None, as_json: bool) -> None:
    """Fetch arXiv's HTML of papers without full text and store it as Markdown (resumable).

    One request at a time, within fulltext_daily_budget; papers on the daily feed first
    (fulltext_scope). Runs whether or not the fulltext setting is on (that one governs the
    worker and search). Stops cleanly on SIGTERM.

    Example: paperfeed ingest fulltext --limit 20
    """
    from paperfeed.ingest.fulltext_job import run_fulltext
    from paperfeed.ingest.http import Fetcher
    from paperfeed.search.sync import sync_fulltext_index

    settings = load_settings()
    with open_runtime(settings) as runtime, translated_errors():
        require_migrated(runtime.engine)
        with Fetcher.from_settings(settings) as fetcher, stop_on_sigterm() as stop:
            report = run_fulltext(
                settings, runtime.sessions, fetcher, should_stop=stop.is_set, limit=limit
            )
        applied = sync_fulltext_index(settings, runtime.engine)
        click.echo(f"full-text index: {applied} papers applied", err=True)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.summary())
        for failure in report.failures[:20]:
            click.echo(f"  {failure['arxiv_id']}: {failure['reason']}", err=True)


def run_fulltext_slot(runtime: Runtime, holder: str, stop: Event, now: datetime) -> None:
    """The worker's full-text run of this UTC hour, under the job lock (one worker a slot);
    its report is logged. A failure is logged and left to the next hour."""
    from paperfeed.ingest.fulltext_job import run_fulltext
    from paperfeed.ingest.http import Fetcher
    from paperfeed.search.sync import sync_fulltext_index

    settings, sessions = runtime.settings, runtime.sessions
    slot = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
    if not locks.acquire(sessions, "fulltext", slot, holder=holder, now=datetime.now(UTC)):
        return
    try:
        with Fetcher.from_settings(settings) as fetcher:
            report = run_fulltext(
                settings, sessions, fetcher, should_stop=stop.is_set, limit=WORKER_SLOT_PAPERS
            )
        logger.info("%s", report.summary())
        sync_fulltext_index(settings, runtime.engine)
    except Exception:  # the worker goes on; the next slot tries again
        logger.exception("full-text job failed")
    finally:
        locks.release(
            sessions, "fulltext", slot, holder=holder, now=datetime.now(UTC), finished=True
        )
