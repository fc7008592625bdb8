"""Glue every command shares: settings, the runtime, errors as one line, migration checks.

Tests pass their own :class:`Settings` as the root context object
(``CliRunner().invoke(cli, args, obj=settings)``); otherwise settings come from the
``PAPERFEED_*`` environment.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from paperfeed.errors import PaperfeedError
from paperfeed.runtime import Runtime
from paperfeed.settings import Settings
from paperfeed.store import migrate

F = TypeVar("F", bound=Callable[..., Any])
DISK_FULL = "database or disk is full"  # SQLITE_FULL's message


def load_settings() -> Settings:
    """The settings of this invocation: the root context's object, else the environment."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    if isinstance(obj, Settings):
        return obj
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err.get("loc") else "?"
        raise click.ClickException(
            f"invalid setting PAPERFEED_{name.upper()}: {err.get('msg', 'invalid')}"
        ) from None


def safe_url(url: str) -> str:
    """A database URL fit to print: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


@contextmanager
def open_runtime(settings: Settings, *, create: bool = False) -> Iterator[Runtime]:
    """The command's :class:`~paperfeed.runtime.Runtime` on the configured database, closed
    on exit; it builds only what the command asks it for.

    A SQLite file that does not exist is an error unless ``create`` (only ``db upgrade``
    creates databases), so a typo in the URL never leaves an empty file behind.
    """
    try:
        url = make_url(settings.database_url)
    except Exception:
        raise click.ClickException(
            f"invalid PAPERFEED_DATABASE_URL {settings.database_url[:80]!r}"
        ) from None
    if url.get_backend_name() == "sqlite" and not create:
        path = url.database
        if path and path != ":memory:" and not Path(path).exists():
            raise click.ClickException(
                f"no database at {path}; run `paperfeed db upgrade` to create it"
            )
    try:
        runtime = Runtime.open(settings)
    except ImportError as exc:
        raise click.ClickException(
            f"the database driver is not installed ({exc.name or exc}); "
            "for PostgreSQL: pip install 'paperfeed[postgres]'"
        ) from None
    with runtime:
        yield runtime


def schema_status(engine: Engine) -> tuple[str | None, str, str]:
    """``(current, head, status)``; status is "up to date", "empty", "behind" or "unknown"
    (a revision this code does not know: the database was migrated by a newer paperfeed)."""
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current == head:
        return current, head, "up to date"
    if current is None:
        return current, head, "empty"
    try:
        known = ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_revision(current) is not None
    except CommandError:
        known = False
    return current, head, "behind" if known else "unknown"


def require_migrated(engine: Engine) -> None:
    """Refuse to go on when the schema is not the code's, naming the command that fixes it."""
    current, head, status = schema_status(engine)
    if status == "up to date":
        return
    where = engine.url.render_as_string(hide_password=True)
    if status == "unknown":
        raise click.ClickException(
            f"the database {where} is at revision {current}, which this paperfeed does not "
            "know; upgrade paperfeed itself"
        )
    state = "has no schema yet" if current is None else f"is at revision {current}"
    raise click.ClickException(
        f"the database {where} {state} but this paperfeed needs {head}; "
        "run `paperfeed db upgrade` first"
    )


@contextmanager
def translated_errors() -> Iterator[None]:
    """Expected failures inside become one-line ``click.ClickException``s (exit code 1)."""
    try:
        yield
    except PaperfeedError as exc:
        raise click.ClickException(exc.message) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        first = reason[0][:300] if reason else type(exc).__name__
        if DISK_FULL in first:  # SQLITE_FULL: the failed transaction was rolled back whole
            raise click.ClickException(
                f"the database's disk is full ({first}); the last transaction was rolled "
                "back, nothing of it was saved: free space on that disk and run the "
                "command again (an interrupted ingest resumes where it stopped)"
            ) from None
        raise click.ClickException(f"database error: {first}") from None


def user_errors(func: F) -> F:
    """A command whose expected failures are one-line errors (see :func:`translated_errors`)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translated_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_json_default))
