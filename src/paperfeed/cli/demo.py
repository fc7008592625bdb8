"""``paperfeed demo``: load the bundled demo papers once, then serve the site."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

import click
from sqlalchemy import func, select

from paperfeed.cli import cli
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.models import Paper

DEMO_FILE = files("paperfeed.demo") / "papers.jsonl.gz"


def load_demo(settings: Settings) -> int:
    """Migrate the database and import the demo papers if it has none; return papers added."""
    from paperfeed.ingest.jsonl import iter_file_lines, parse_jsonl
    from paperfeed.ingest.upsert import upsert_records

    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            if session.scalar(select(func.count()).select_from(Paper)):
                return 0
        with session_scope(sessions) as session:
            report = upsert_records(
                session,
                parse_jsonl(iter_file_lines(str(DEMO_FILE))),
                source="demo",
                now=datetime.now(UTC),
            )
        try:
            from paperfeed.search.sync import sync_search_index
        except ImportError:
            pass
        else:
            sync_search_index(settings, engine)
        return report.added
    finally:
        engine.dispose()


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
    added = load_demo(settings)
    if added:
        click.echo(f"Loaded {added} demo papers into {settings.database_url}", err=True)
    else:
        click.echo(f"Using the papers already in {settings.database_url}", err=True)
    if load_only:
        return
    import uvicorn

    click.echo(f"Serving on http://{host}:{port}", err=True)
    uvicorn.run("paperfeed.web.app:create_app", factory=True, host=host, port=port)
