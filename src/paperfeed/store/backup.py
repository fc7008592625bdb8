"""Backups of a SQLite database with SQLite's online backup API, and their restore.

The backup API copies a consistent snapshot page by page while the site keeps serving and
writing: each step holds a read lock for a few pages only, and a write made meanwhile by
another connection restarts the copy from there (SQLite's documented behaviour), so the file
is always a database as of one commit. It is written beside the destination and renamed into
place after ``PRAGMA quick_check``, so a failed backup never leaves half a file under the
name.

PostgreSQL has its own tools (``pg_dump`` / ``pg_restore``, or base backups and WAL archiving
for point-in-time recovery); :func:`pg_dump_recipe` prints the commands for a database URL.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 1024  # ~4 MB per step: writers wait at most a few ms behind a step


class BackupError(Exception):
    pass


def backup_sqlite(database: Path, dest: Path) -> int:
    """Copy the SQLite ``database`` (live) to ``dest``; return the copy's size in bytes."""
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    if not database.exists():
        raise BackupError(f"no database at {database}")
    source = sqlite3.connect(database, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target, pages=PAGES_PER_STEP)
            _check(target, partial)
        finally:
            target.close()
    finally:
        source.close()
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    os.replace(partial, dest)
    return dest.stat().st_size


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the contents of ``database`` with the ``backup`` file, in one transaction of
    the backup API (other connections wait on the lock, then see the restored data)."""
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _check(source, backup)
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def revision_of(path: Path) -> str | None:
    """The schema revision recorded in a SQLite file (None without Alembic's table)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's quick_check: {result}")


def pg_dump_recipe(url: str) -> str:
    """The commands that back up and restore the PostgreSQL database at ``url``."""
    parsed = make_url(url).set(drivername="postgresql")
    shown = parsed.render_as_string(hide_password=True)
    return (
        "PostgreSQL is backed up with its own tools (the password from PGPASSWORD or ~/.pgpass):\n"
        f"  pg_dump --format=custom --file=paperfeed.dump '{shown}'\n"
        "restore into an empty database with the same extensions (pgvector):\n"
        f"  pg_restore --no-owner --exit-on-error --dbname='{shown}' paperfeed.dump\n"
        "then `paperfeed db upgrade` if the dump is older than this paperfeed. "
        "For point-in-time recovery use base backups and WAL archiving (docs/deploy.md)."
    )
