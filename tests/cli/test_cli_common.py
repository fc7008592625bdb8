"""Every command: --help with an example; user errors as one line, never a traceback."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from paperfeed.cli import cli
from paperfeed.cli.common import user_errors
from paperfeed.errors import NotFound
from paperfeed.settings import Settings

MINE = [["serve"], ["db"], ["db", "upgrade"], ["db", "current"], ["stats"]]


@pytest.mark.parametrize("path", MINE, ids=" ".join)
def test_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: paperfeed " + path[0] in result.output


def test_a_paperfeed_error_becomes_one_line_and_exit_1():
    @click.command()
    @user_errors
    def broken():
        raise NotFound("No paper with arXiv id '2611.99999'")

    result = CliRunner().invoke(broken)
    assert result.exit_code == 1
    assert result.output == "Error: No paper with arXiv id '2611.99999'\n"


def test_an_unreachable_database_is_one_line(tmp_path):
    settings = Settings(
        database_url="postgresql+psycopg://nobody:secret@127.0.0.1:1/none", _env_file=None
    )
    result = CliRunner().invoke(cli, ["stats"], obj=settings)
    assert result.exit_code == 1
    assert result.output.startswith("Error: database error:")
    assert result.output.count("\n") == 1
    assert "secret" not in result.output


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "nope" / "paperfeed.db"
    settings = Settings(database_url=f"sqlite:///{path}", _env_file=None)
    result = CliRunner().invoke(cli, ["stats"], obj=settings)
    assert result.exit_code == 1
    assert f"no database at {path}" in result.output
    assert not path.exists()


def test_an_invalid_setting_in_the_environment_is_one_line():
    result = CliRunner().invoke(cli, ["stats"], env={"PAPERFEED_PAGE_SIZE": "lots"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: invalid setting PAPERFEED_PAGE_SIZE")
