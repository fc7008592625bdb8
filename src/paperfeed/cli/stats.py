"""``paperfeed stats``: what the database holds."""

from __future__ import annotations

from dataclasses import asdict

import click

from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_runtime,
    require_migrated,
    safe_url,
    user_errors,
)
from paperfeed.embed.store import count_embedded
from paperfeed.service.papers import stats as paper_stats


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@user_errors
def stats(as_json: bool) -> None:
    """Count papers, hidden and embedded papers, feed entries; show the first and last feed day.

    Example: paperfeed stats --json
    """
    settings = load_settings()
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
        with runtime.sessions() as session:
            result = paper_stats(session)
            embedded, visible = count_embedded(session, settings.embedding_model)
    data = {
        "database": safe_url(settings.database_url),
        **asdict(result),
        "embedding_model": settings.embedding_model,
        "embedded": embedded,
    }
    if as_json:
        echo_json(data)
        return
    click.echo(f"database:     {data['database']}")
    click.echo(f"papers:       {result.papers:,} ({result.hidden:,} hidden)")
    click.echo(f"embedded:     {embedded:,} of {visible:,} visible papers")
    click.echo(f"feed entries: {result.feed_entries:,}")
    if result.first_day is None:
        click.echo("feed days:    none yet")
    else:
        click.echo(f"feed days:    {result.first_day} .. {result.last_day}")
