"""``paperfeed ingest fulltext``: the full-text job by hand (docs/fulltext.md)."""

from __future__ import annotations

import json

import click

from paperfeed.cli.common import load_settings, open_runtime, require_migrated, translated_errors
from paperfeed.cli.digest import stop_on_sigterm
from paperfeed.cli.ingest import ingest


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
