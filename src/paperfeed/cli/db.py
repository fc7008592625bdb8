"""``paperfeed db``: create and upgrade the schema (Alembic), show where it stands, and copy
the whole database to another one (SQLite to PostgreSQL)."""

from __future__ import annotations

import click

from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_runtime,
    require_migrated,
    safe_url,
    schema_status,
    user_errors,
)
from paperfeed.search.sync import sync_search_index, sync_vector_index
from paperfeed.store import migrate
from paperfeed.store.copy import BATCH_ROWS, TargetNotEmpty, copy_database


@cli.group()
def db() -> None:
    """Manage the database: its schema, and copies to another database.

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
    with open_runtime(settings, create=True) as runtime:
        engine = runtime.engine
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
    with open_runtime(settings) as runtime:
        revision, head, status = schema_status(runtime.engine)
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


@db.command("copy")
@click.option(
    "--to", "target_url", required=True, metavar="URL",
    help="The database to copy into, e.g. postgresql+psycopg://user:pass@host/paperfeed.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Empty the target first if it holds any data.")
@click.option(
    "--batch-rows", default=BATCH_ROWS, show_default=True, type=click.IntRange(1, 100_000),
    help="Rows read and written per batch.",
)  # fmt: skip
@user_errors
def copy_command(target_url: str, force: bool, batch_rows: int) -> None:
    """Copy the whole database to another one: how a SQLite site moves to PostgreSQL.

    The target's schema is created (or upgraded) first; every table is copied in one
    transaction, embeddings included; id sequences are moved past the copied ids; then the
    target's search indexes are rebuilt. A target that holds data is refused unless --force.
    Stop writers (web servers, worker, cron) during the copy: what they write meanwhile is
    not copied. Then point PAPERFEED_DATABASE_URL at the target.

    Example: paperfeed db copy --to postgresql+psycopg://paperfeed@db/paperfeed
    """
    settings = load_settings()
    target_settings = settings.model_copy(update={"database_url": target_url, "index_dir": None})
    if safe_url(target_url) == safe_url(settings.database_url):
        raise click.ClickException("the target is the database itself")
    with (
        open_runtime(settings) as source_runtime,
        open_runtime(target_settings, create=True) as target_runtime,
    ):
        source, target = source_runtime.engine, target_runtime.engine
        require_migrated(source)
        _migrate_target(target)
        click.echo(f"copying {safe_url(settings.database_url)} to {safe_url(target_url)}")
        try:
            report = copy_database(source, target, replace=force, batch_rows=batch_rows)
        except TargetNotEmpty as exc:
            raise click.ClickException(f"{exc}; pass --force to replace it") from None
        for table, rows in report.rows.items():
            click.echo(f"  {table}: {rows:,} rows")
        click.echo(f"copied {report.total:,} rows; rebuilding the target's search indexes")
        applied = sync_search_index(target_settings, target, rebuild=True)
        click.echo(f"  keyword index: {applied:,} papers")
        if settings.semantic_search:
            model = settings.embedding_model
            sync_vector_index(target_settings, target, model, rebuild=True)
            click.echo(f"  vector index ({model}): ready")
    click.echo(f"done: set PAPERFEED_DATABASE_URL={safe_url(target_url)}")


def _migrate_target(engine) -> None:
    _, head, status = schema_status(engine)
    if status == "unknown":
        raise click.ClickException(
            "the target database was migrated by a newer paperfeed; upgrade paperfeed itself"
        )
    if status != "up to date":
        migrate.upgrade(engine)
