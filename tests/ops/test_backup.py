"""`paperfeed backup` / `paperfeed restore`: SQLite's online backup API to a file and back,
while another connection is in the middle of a write; PostgreSQL gets the pg_dump recipe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from paperfeed.store.models import Paper


def _titles(session_factory) -> list[str]:
    with session_factory() as s:
        return sorted(s.scalars(select(Paper.title)))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_while_writing_then_restore(run, settings, paper_factory, session_factory, tmp_path):
    paper_factory(title="Kept in the backup about gravitational lensing")
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    # Another process is in the middle of a write: the backup copies the last commit only.
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE papers SET title = 'uncommitted' ")
    dest = tmp_path / "backups" / "paperfeed.db"
    result = run("backup", "--to", str(dest))
    writer.execute("ROLLBACK")
    writer.close()
    assert result.exit_code == 0, result.output
    assert f"to {dest}" in result.output and dest.exists()
    assert not dest.with_name(dest.name + ".partial").exists()

    again = run("backup", "--to", str(dest))
    assert again.exit_code == 1 and "--force" in again.output

    paper_factory(title="Written after the backup about lensing")
    assert len(_titles(session_factory)) == 2
    run("index", "sync")

    refused = run("restore", "--from", str(dest))
    assert refused.exit_code == 1 and "--force" in refused.output
    restored = run("restore", "--from", str(dest), "--force")
    assert restored.exit_code == 0, restored.output
    assert "keyword index" in restored.output  # the derived indexes were rebuilt
    assert _titles(session_factory) == ["Kept in the backup about gravitational lensing"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 1
    found = run("search", "lensing", "--mode", "keyword", "--json")
    assert found.exit_code == 0, found.output
    assert "Kept in the backup" in found.output and "after the backup" not in found.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_restore_refuses_a_file_that_is_no_backup(run, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    result = run("restore", "--from", str(junk), "--force")
    assert result.exit_code == 1
    assert "is not a paperfeed database backup" in result.output


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_backup_on_postgresql_prints_the_pg_dump_recipe(run, tmp_path):
    dest = tmp_path / "x.db"
    result = run("backup", "--to", str(dest))
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not dest.exists()
