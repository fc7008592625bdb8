"""The MCP server of one process: every tool and resource over one runtime, the same for
streamable HTTP (``/mcp`` on the web app) and stdio (``paperfeed mcp``)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

import paperfeed
from paperfeed.mcp import member_tools, reading_tools, resources
from paperfeed.mcp.calls import CallerSource, Calls

INSTRUCTIONS = """This is a paperfeed Daily Papers site: research papers (mostly arXiv) put on a
daily feed and upvoted by its community, searchable by words and by meaning.

Find papers with `search` (a topic, an author, a category; any date), `daily` (one day,
week or month of the feed), `trending` (popular now) and `similar` (related to a paper).
Get one paper's details with `paper`, and read it as Markdown with `read`. Every paper is named by its arXiv id (2406.12345).
Member tools (`for_you`, `following`, `save`, `library`) need the member's API token;
without one they answer with an error saying so. Calls are rate limited: an error says
when to try again."""


def build_server(callers: CallerSource) -> MCPServer:
    """The server; every call runs in the runtime ``callers`` names for it."""
    server = MCPServer(
        name="paperfeed",
        title="paperfeed",
        instructions=INSTRUCTIONS,
        version=paperfeed.__version__,
        log_level="WARNING",  # the SDK configures logging at INFO otherwise
    )
    calls = Calls(callers)
    reading_tools.register(server, calls)
    member_tools.register(server, calls)
    resources.register(server, calls)
    return server
