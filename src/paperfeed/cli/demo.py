"""``paperfeed demo``: load the bundled demo papers once, then serve the site."""

from __future__ import annotations

from dataclasses import dataclass

import click
from sqlalchemy import func, select

from paperfeed.cli import cli
from paperfeed.cli.serve import APP_FACTORY, uvicorn_options
from paperfeed.runtime import Runtime
from paperfeed.service.rendered_texts import render_missing
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper


@dataclass(frozen=True)
class DemoLoad:
    added: int  # demo papers added (0 when the database already had papers)
    embedded: int  # precomputed embeddings imported (see paperfeed.demo.embeddings)


def load_demo(settings: Settings) -> DemoLoad:
    """Migrate the database, import the demo papers if it has none, then their precomputed
    embeddings where missing. Never loads the embedding model; running it again is a no-op."""
    from paperfeed.demo import load_papers
    from paperfeed.demo.embeddings import import_demo_embeddings

    with Runtime.open(settings) as runtime:
        engine, sessions = runtime.engine, runtime.sessions
        migrate.upgrade(engine)
        added = 0
        with sessions() as session:
            empty = not session.scalar(select(func.count()).select_from(Paper))
        if empty:
            with session_scope(sessions) as session:
                report = load_papers(session)
            added = report.added
        render_missing(sessions)  # none left once loaded: a no-op on later runs
        with session_scope(sessions) as session:
            embedded = import_demo_embeddings(session, settings.embedding_model)
        if added or embedded:
            try:
                from paperfeed.search.sync import sync_search_index
            except ImportError:
                pass
            else:
                sync_search_index(settings, engine)
        return DemoLoad(added=added, embedded=embedded)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--load-only", is_flag=True, help="Load the demo data, do not serve.")
def demo(host: str, port: int, load_only: bool) -> None:
    """Serve the site with the bundled demo papers (2,836 real 2024 Daily Papers).

    The papers are loaded into the configured database (default ./data/paperfeed.db) the
    first time; later runs reuse it.

    Example: paperfeed demo --port 8000
    """
    settings = Settings()
    loaded = load_demo(settings)
    if loaded.added:
        click.echo(f"Loaded {loaded.added:,} demo papers into {settings.database_url}", err=True)
    else:
        click.echo(f"Using the papers already in {settings.database_url}", err=True)
    if loaded.embedded:
        click.echo(f"Imported {loaded.embedded:,} precomputed paper embeddings", err=True)
    if load_only:
        return
    import uvicorn

    click.echo(f"Serving on http://{host}:{port}", err=True)
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, **uvicorn_options(settings))
