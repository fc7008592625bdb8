"""``paperfeed db``: create and upgrade the schema (Alembic), and show where it stands."""

from __future__ import annotations

import click

from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_engine,
    safe_url,
    schema_status,
    user_errors,
)
from paperfeed.store import migrate


@cli.group()
def db() -> None:
    """Manage the database schema.

    Example: paperfeed db upgrade
    """


@db.command()
@user_errors
def upgrade() -> None:
    """Create the database or bring its schema up to date (safe to run at every deploy).

    The database is PAPERFEED_DATABASE_URL (default sqlite:///data/paperfeed.db).

    Example: paperfeed db upgrade
    """
    settings = load_settings()
    with open_engine(settings, create=True) as engine:
        before, head, status = schema_status(engine)
        if status == "up to date":
            click.echo(f"{safe_url(settings.database_url)} is up to date (revision {head})")
            return
        if status == "unknown":
            raise click.ClickException(
                f"the database is at revision {before}, which this paperfeed does not know; "
                "upgrade paperfeed itself"
            )
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    click.echo(
        f"upgraded {safe_url(settings.database_url)} from {before or 'an empty database'} "
        f"to revision {after}"
    )


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@user_errors
def current(as_json: bool) -> None:
    """Show the schema revision of the database and the one this code needs.

    Exits with status 0 either way; "status" is "up to date", "behind", "empty" or
    "unknown" (migrated by a newer paperfeed).

    Example: paperfeed db current --json
    """
    settings = load_settings()
    with open_engine(settings) as engine:
        revision, head, status = schema_status(engine)
    if as_json:
        echo_json(
            {
                "database": safe_url(settings.database_url),
                "current": revision,
                "head": head,
                "status": status,
            }
        )
        return
    click.echo(f"database: {safe_url(settings.database_url)}")
    click.echo(f"current:  {revision or '(none)'}")
    click.echo(f"head:     {head}")
    hint = " (run `paperfeed db upgrade`)" if status in ("behind", "empty") else ""
    click.echo(f"status:   {status}{hint}")
