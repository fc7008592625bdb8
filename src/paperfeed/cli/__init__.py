"""The ``paperfeed`` command line: one verb per command; subcommand groups live in modules."""

from __future__ import annotations

import logging

import click

import paperfeed


@click.group()
@click.version_option(paperfeed.__version__, prog_name="paperfeed")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose: bool) -> None:
    """paperfeed: a self-hostable Daily Papers service.

    Configuration comes from PAPERFEED_* environment variables (see docs/configuration.md).
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


from paperfeed.cli import backup as _backup  # noqa: E402,F401
from paperfeed.cli import db as _db  # noqa: E402,F401
from paperfeed.cli import demo as _demo  # noqa: E402,F401
from paperfeed.cli import digest as _digest  # noqa: E402,F401
from paperfeed.cli import fulltext as _fulltext  # noqa: E402,F401
from paperfeed.cli import ingest as _ingest  # noqa: E402,F401
from paperfeed.cli import mcp_server as _mcp_server  # noqa: E402,F401
from paperfeed.cli import search as _search  # noqa: E402,F401
from paperfeed.cli import serve as _serve  # noqa: E402,F401
from paperfeed.cli import stats as _stats  # noqa: E402,F401
from paperfeed.cli import users as _users  # noqa: E402,F401
from paperfeed.cli import worker as _worker  # noqa: E402,F401
