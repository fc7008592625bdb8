"""``paperfeed mcp`` over stdio, spawned as a subprocess by the SDK's own client (as Claude
Desktop starts it), on both databases: the tools with the member's token (from
PAPERFEED_MCP_TOKEN), bad arguments and unknown ids, a resource; the command's refusal of a
bad token; and anonymous callers of the stdio server (in process: the same server, only
the transport differs) refused the member tools."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp_site import (
    PROTEIN,
    UNKNOWN,
    VIDEO,
    VIDEO_2,
    ids_of,
    make_site,
    run,
    text_of,
)

from module_database import BACKENDS, grouped
from paperfeed.mcp.server import build_server
from paperfeed.mcp.stdio import StdioCallers
from paperfeed.runtime import Runtime

pytestmark = pytest.mark.slow
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module", params=grouped(BACKENDS, "mcp-stdio"))
def site(request, tmp_path_factory, real_embedder):
    return make_site(request.param, request, tmp_path_factory.mktemp("mcp-stdio"), real_embedder)


def server_parameters(site, token: str | None) -> StdioServerParameters:
    settings = site.settings
    env = {
        "PAPERFEED_DATABASE_URL": settings.database_url,
        "PAPERFEED_INDEX_DIR": str(settings.index_dir),
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    if token:
        env["PAPERFEED_MCP_TOKEN"] = token
    return StdioServerParameters(
        command=sys.executable, args=["-m", "paperfeed", "mcp"], env=env, cwd=settings.index_dir
    )


def test_the_stdio_server_with_a_members_token(site):
    site.settings.index_dir.mkdir(parents=True, exist_ok=True)

    async def calls():
        async with Client(server_parameters(site, site.token)) as client:
            tools = (await client.list_tools()).tools
            out = {
                "search": await client.call_tool("search", {"query": "video", "mode": "keyword"})
            }
            out["similar"] = await client.call_tool("similar", {"id": VIDEO, "limit": 1})
            out["unknown"] = await client.call_tool("paper", {"id": UNKNOWN})
            out["bad"] = await client.call_tool("daily", {"month": "2026-13"})
            out["following"] = await client.call_tool("following", {"days": 90})
            out["save"] = await client.call_tool("save", {"id": VIDEO})
            out["library"] = await client.call_tool("library", {"sort": "title"})
            markdown = await client.read_resource(f"paperfeed://markdown/{PROTEIN}")
            return tools, out, markdown

    tools, got, markdown = run(calls())
    assert len(tools) == 10
    assert set(ids_of(got["search"])) == {VIDEO, VIDEO_2}
    assert ids_of(got["similar"]) == [VIDEO_2]
    assert got["unknown"].is_error and "Not found" in text_of(got["unknown"])
    assert got["bad"].is_error and "invalid month" in text_of(got["bad"])
    assert set(ids_of(got["following"])) == {VIDEO, VIDEO_2}  # a 90-day window: real clock
    assert got["save"].structured_content == {
        "id": VIDEO,
        "saved": True,
        "collection_id": got["save"].structured_content["collection_id"],
        "changed": True,
    }
    assert [p["paper"]["id"] for p in got["library"].structured_content["papers"]] == [VIDEO]
    assert markdown.contents[0].text.startswith("# Protein folding with transformers")


def test_the_command_refuses_a_bad_token(site):
    from click.testing import CliRunner

    from paperfeed.cli import cli

    result = CliRunner().invoke(cli, ["mcp", "--token", "pf_revoked"], obj=site.settings)
    assert result.exit_code == 1
    assert "invalid or revoked" in result.output


def test_anonymous_callers_of_the_stdio_server_only_read(site):
    async def calls(server):
        async with Client(server) as client:  # in process: no second subprocess
            paper = await client.call_tool("paper", {"id": PROTEIN})
            refused = await client.call_tool("save", {"id": PROTEIN})
            return paper, refused

    with Runtime.open(site.settings) as runtime:
        paper, refused = run(calls(build_server(StdioCallers(runtime, None))))
    assert not paper.is_error and paper.structured_content["id"] == PROTEIN
    assert refused.is_error and "Not signed in" in text_of(refused)
    assert "--token or PAPERFEED_MCP_TOKEN" in text_of(refused)
