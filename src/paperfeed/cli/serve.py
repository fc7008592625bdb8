"""``paperfeed serve``: run the web app (pages and JSON API) with uvicorn."""

from __future__ import annotations

import click

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_engine, require_migrated, user_errors

APP_FACTORY = "paperfeed.web.app:create_app"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes (several need PostgreSQL or SQLite in WAL mode, the default).",
)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@user_errors
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the site and the JSON API. Refuses to start while migrations are pending.

    Example: paperfeed serve --host 0.0.0.0 --port 8000 --workers 2
    """
    if reload and workers > 1:
        raise click.UsageError("--reload runs a single worker; drop --workers or --reload")
    settings = load_settings()
    with open_engine(settings) as engine:
        require_migrated(engine)

    import uvicorn

    click.echo(f"paperfeed on http://{host}:{port} ({workers} worker{'s' * (workers > 1)})")
    # Each worker builds its own app through the factory, from the same PAPERFEED_* env.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
    )
