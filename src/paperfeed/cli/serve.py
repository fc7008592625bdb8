"""``paperfeed serve``: run the web app (pages and JSON API) with uvicorn."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_runtime, require_migrated, user_errors
from paperfeed.logs import log_config
from paperfeed.settings import Settings

APP_FACTORY = "paperfeed.app:create_app"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


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
@click.option(
    "--forwarded-allow-ips",
    default=None,
    help="Addresses of reverse proxies whose X-Forwarded-For/-Proto are trusted "
    "(comma-separated); default PAPERFEED_TRUSTED_PROXIES, else none.",
)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@user_errors
def serve(
    host: str, port: int, workers: int, forwarded_allow_ips: str | None, reload: bool
) -> None:
    """Serve the site and the JSON API. Refuses to start while migrations are pending.

    With several workers, /metrics adds up the counts of all of them through
    PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder unless set). See docs/deploy.md.

    Example: paperfeed serve --host 0.0.0.0 --port 8000 --workers 2
    """
    if reload and workers > 1:
        raise click.UsageError("--reload runs a single worker; drop --workers or --reload")
    settings = load_settings()
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)

    import uvicorn

    click.echo(f"paperfeed on http://{host}:{port} ({workers} worker{'s' * (workers > 1)})")
    extra = uvicorn_options(settings, forwarded_allow_ips)
    with metrics_dir(workers):
        # Each worker builds its own app through the factory, from the same PAPERFEED_* env.
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            log_level="info",
            **extra,
        )


def uvicorn_options(settings: Settings, forwarded_allow_ips: str | None = None) -> dict:
    """What every command that runs uvicorn on the app passes it (``serve``, ``demo``):
    our logging config, which redacts secrets in URLs (reset and confirmation tokens), and
    the proxies whose X-Forwarded-For is believed (``forwarded_allow_ips``, else
    ``PAPERFEED_TRUSTED_PROXIES``, else none)."""
    options: dict = {"log_config": log_config(settings.log_format)}
    trusted = forwarded_allow_ips if forwarded_allow_ips is not None else settings.trusted_proxies
    if trusted:
        options["forwarded_allow_ips"] = trusted
    else:  # uvicorn would believe X-Forwarded-For from any 127.0.0.1 client
        options["proxy_headers"] = False
    return options


@contextmanager
def metrics_dir(workers: int):
    """With several workers, give them one PROMETHEUS_MULTIPROC_DIR (inherited through the
    environment), emptied first: files left by an earlier run would be counted again."""
    given = os.environ.get(METRICS_DIR_ENV)
    if workers == 1 and not given:
        yield
        return
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="paperfeed-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[METRICS_DIR_ENV] = str(path)
    try:
        yield
    finally:
        if given is None:
            os.environ.pop(METRICS_DIR_ENV, None)
            for f in path.glob("*.db"):
                f.unlink()
            path.rmdir()
