"""``paperfeed mcp``: the MCP server over stdio (docs/mcp.md)."""

from __future__ import annotations

import contextlib

import click

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_runtime, require_migrated, user_errors
from paperfeed.search import sync_backend
from paperfeed.search.tantivy_index import IndexBusy


@cli.command(name="mcp")
@click.option(
    "--token",
    envvar="PAPERFEED_MCP_TOKEN",
    metavar="PF_TOKEN",
    help="A member's API token (from the account page), for the member tools: for_you, "
    "following, save, library. Default: PAPERFEED_MCP_TOKEN; without one, read-only.",
)
@user_errors
def mcp_command(token: str | None) -> None:
    """Serve the MCP tools and resources on stdin/stdout, for an MCP client that starts
    this command (Claude Desktop, an IDE). Nothing but MCP messages goes to stdout.

    Example: PAPERFEED_MCP_TOKEN=pf_... paperfeed mcp
    """
    # Here, not at the top: the SDK takes seconds to import, and every other command would pay.
    from paperfeed.mcp.stdio import run_stdio

    settings = load_settings()
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
        with contextlib.suppress(IndexBusy):  # another process syncs: use what is there
            sync_backend(runtime.search)
        run_stdio(runtime, token)
