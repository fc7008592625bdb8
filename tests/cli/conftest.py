"""CLI fixtures: a runner that invokes ``paperfeed`` with the test's settings."""

from __future__ import annotations

import os
from itertools import count

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from paperfeed.cli import cli
from paperfeed.settings import Settings

_names = count()


@pytest.fixture
def run(settings):
    """``run(*args, settings=...)`` -> click Result; settings default to the test's database."""
    runner = CliRunner()

    def invoke(*args: str, settings: Settings = settings):
        return runner.invoke(cli, list(args), obj=settings)

    return invoke


@pytest.fixture
def empty_settings(backend, request, tmp_path, settings) -> Settings:
    """Settings for a database that exists but has no schema (PostgreSQL) or no file (SQLite)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh/paperfeed.db"
    else:
        server, admin = request.getfixturevalue("pg_server")
        name = f"empty_{os.getpid()}_{next(_names)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        request.addfinalizer(drop)
        url = server.get_uri(database=name, driver="psycopg")
    return settings.model_copy(update={"database_url": url})
