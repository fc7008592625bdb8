"""``paperfeed backup`` and ``paperfeed restore``: a SQLite database to a file and back.

PostgreSQL is backed up with ``pg_dump``; both commands print the recipe and refuse.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_runtime, require_migrated, user_errors
from paperfeed.cli.search import index_rebuild
from paperfeed.store.backup import (
    BackupError,
    backup_sqlite,
    pg_dump_recipe,
    restore_sqlite,
    revision_of,
)
from paperfeed.store.migrate import head_revision


def _sqlite_path(url: str, command: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise click.ClickException(
            f"`paperfeed {command}` handles SQLite databases only.\n{pg_dump_recipe(url)}"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise click.ClickException("an in-memory database cannot be backed up or restored")
    return Path(parsed.database)


@cli.command()
@click.option(
    "--to", "dest", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@user_errors
def backup(dest: Path, force: bool) -> None:
    """Copy the SQLite database to a file while the site keeps running.

    Uses SQLite's online backup API: the copy is the database as of one commit, checked
    (quick_check) before it takes the file's name. The search indexes are not copied: they
    are rebuilt from the database. On PostgreSQL, prints the pg_dump recipe instead.

    Example: paperfeed backup --to backups/paperfeed-$(date +%F).db
    """
    settings = load_settings()
    database = _sqlite_path(settings.database_url, "backup")
    if dest.exists() and not force:
        raise click.ClickException(f"{dest} exists; pass --force to overwrite it")
    if dest.resolve() == database.resolve():
        raise click.ClickException("the backup file cannot be the database itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        size = backup_sqlite(database, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {database} to {dest} ({size:,} bytes)")


@cli.command()
@click.option(
    "--from", "source", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `paperfeed backup`.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing database.")
@click.pass_context
@user_errors
def restore(ctx: click.Context, source: Path, force: bool) -> None:
    """Replace the SQLite database with a backup, then rebuild the search indexes.

    Stop the web servers and the worker first: they keep indexes in memory that would not
    match the restored data. On PostgreSQL, prints the pg_restore recipe instead.

    Example: paperfeed restore --from backups/paperfeed-2026-11-20.db --force
    """
    settings = load_settings()
    database = _sqlite_path(settings.database_url, "restore")
    revision = revision_of(source)
    if revision is None:
        raise click.ClickException(f"{source} is not a paperfeed database backup")
    if database.exists() and not force:
        raise click.ClickException(f"{database} exists; pass --force to replace it with the backup")
    try:
        restore_sqlite(source, database)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {database} from {source} (schema revision {revision})")
    if revision != head_revision():
        click.echo("the backup is older than this paperfeed: running `paperfeed db upgrade`")
        from paperfeed.store import migrate

        with open_runtime(settings) as runtime:
            migrate.upgrade(runtime.engine)
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
    ctx.invoke(index_rebuild)
