"""``paperfeed db upgrade`` and ``paperfeed db current`` on both backends."""

from __future__ import annotations

import json

from sqlalchemy import text

from paperfeed.store import migrate
from paperfeed.store.db import make_engine

HEAD = migrate.head_revision()


def test_db_upgrade_creates_the_schema_of_a_new_database(run, empty_settings):
    result = run("db", "upgrade", settings=empty_settings)
    assert result.exit_code == 0, result.output
    assert "upgraded" in result.output and f"to revision {HEAD}" in result.output
    engine = make_engine(empty_settings.database_url)
    try:
        assert migrate.current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_db_upgrade_twice_is_a_no_op(run):
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"is up to date (revision {HEAD})" in result.output


def test_db_current_reports_up_to_date(run):
    result = run("db", "current")
    assert result.exit_code == 0, result.output
    assert f"current:  {HEAD}" in result.output
    assert "status:   up to date" in result.output


def test_db_current_json(run, settings):
    result = run("db", "current", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {
        "database": data["database"],
        "current": HEAD,
        "head": HEAD,
        "status": "up to date",
    }
    assert "***" in data["database"] or settings.is_sqlite  # the password is never printed


def test_db_current_of_an_empty_database_names_the_fix(run, empty_settings, backend):
    result = run("db", "current", settings=empty_settings)
    if backend == "sqlite":  # no file at all: refuse rather than create an empty one
        assert result.exit_code == 1
        assert "no database at" in result.output
        assert "paperfeed db upgrade" in result.output
        assert "Traceback" not in result.output
        return
    assert result.exit_code == 0, result.output
    assert "status:   empty (run `paperfeed db upgrade`)" in result.output


def test_db_current_says_unknown_for_a_revision_from_newer_code(run, settings):
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    result = run("db", "current", "--json")
    assert json.loads(result.output)["status"] == "unknown"
    result = run("db", "upgrade")
    assert result.exit_code == 1
    assert "does not know" in result.output
