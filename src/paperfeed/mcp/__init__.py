"""The MCP surface (docs/mcp.md): the paperfeed tools and resources for agents, over
streamable HTTP at ``/mcp`` (:mod:`paperfeed.mcp.http_app`) and stdio (``paperfeed mcp``,
:mod:`paperfeed.mcp.stdio`), both calling the service functions the pages and the API call."""
