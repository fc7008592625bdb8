"""CLI fixtures: a runner that invokes ``paperfeed`` with the test's settings."""

from __future__ import annotations

from itertools import count

import pytest
from click.testing import CliRunner

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
        url = request.getfixturevalue("pg_database")("empty")
    return settings.model_copy(update={"database_url": url})
