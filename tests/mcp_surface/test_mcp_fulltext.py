"""Full text over MCP on a site that has it, on both databases and both transports (streamable
HTTP through the real app under uvicorn; the stdio server in process): ``search`` with
``fulltext`` finds a paper by words only its body has, with the passage and section that
matched; without ``fulltext`` it does not; ``read`` and the Markdown resource give the whole
paper, full text included, and a paper without full text its abstract-only Markdown.

The full text is stored the real way: the full-text job fetches a recorded LaTeXML page
(tests/data/arxiv_html) from a fake arxiv.org/html on loopback, then the passage index syncs."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp_site import PROTEIN, VIDEO, http_client, ids_of, make_site, run, text_of

from live_server import serve
from members import NOW
from module_database import BACKENDS, grouped
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.ingest.fulltext_job import run_fulltext
from paperfeed.ingest.http import Fetcher
from paperfeed.mcp.server import build_server
from paperfeed.mcp.stdio import StdioCallers
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_fulltext_index
from paperfeed.store.db import make_engine

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "ingest"))  # fake_server, as tests/community does
from fake_server import FakeServer, Reply  # noqa: E402

pytestmark = pytest.mark.slow
PAGE = TESTS / "data" / "arxiv_html" / "2406.00001v2.html"  # "perplexity" in "3 Experiments"
BODY_WORD = "perplexity"  # in VIDEO's body only: not in any title or abstract of the site


@pytest.fixture(scope="module", params=grouped(BACKENDS, "mcp-fulltext"))
def site(request, tmp_path_factory, real_embedder):
    made = make_site(request.param, request, tmp_path_factory.mktemp("mcp-ft"), real_embedder)
    upstream = FakeServer()  # answers 404 ("no HTML") for every other paper
    request.addfinalizer(upstream.close)
    upstream.script(f"/html/{VIDEO}v1", Reply(200, PAGE.read_bytes()))
    settings = made.settings.model_copy(
        update={"fulltext": True, "arxiv_html_url": f"{upstream.url}/html"}
    )
    engine = make_engine(settings.database_url)
    try:
        with Fetcher(delay=0) as fetcher:
            assert run_fulltext(settings, made.sessions, fetcher).fetched == 1
        sync_fulltext_index(settings, engine)
    finally:
        engine.dispose()
    return dataclasses.replace(made, settings=settings)


def check_search_and_read(got: dict) -> None:
    calls = {k: r for k, r in got.items() if k != "resource"}
    assert not any(r.is_error for r in calls.values()), {k: text_of(r) for k, r in calls.items()}
    assert ids_of(got["plain"]) == []  # the word is in no title or abstract
    found = got["fulltext"].structured_content
    assert ids_of(got["fulltext"]) == [VIDEO] and not found.get("notice")
    match = found["papers"][0]["fulltext_match"]
    assert match["section"] == "3 Experiments" and BODY_WORD in match["text"].lower()
    for markdown in (text_of(got["read"]), got["resource"]):
        assert markdown.startswith("# Diffusion models for video generation")
        assert "## Abstract" in markdown and "## 1 Introduction" in markdown
        assert "3 Experiments" in markdown and "$O(nk)$" in markdown  # math kept as $…$
    abstract_only = text_of(got["no_fulltext"])
    assert "## Abstract" in abstract_only and "## 1 Introduction" not in abstract_only


async def search_and_read(client) -> dict:
    keyword = {"query": BODY_WORD, "mode": "keyword"}
    resource = await client.read_resource(f"paperfeed://markdown/{VIDEO}")
    return {
        "plain": await client.call_tool("search", keyword),
        "fulltext": await client.call_tool("search", {**keyword, "fulltext": True}),
        "read": await client.call_tool("read", {"id": VIDEO}),
        "no_fulltext": await client.call_tool("read", {"id": PROTEIN}),
        "resource": "".join(getattr(c, "text", "") for c in resource.contents),
    }


def test_fulltext_search_and_read_over_streamable_http(site):
    app = create_app(site.settings)
    app.dependency_overrides[get_now] = lambda: NOW

    async def calls(url):
        async with http_client(url) as client:
            return await search_and_read(client)

    with serve(app) as url:
        check_search_and_read(run(calls(url)))


def test_fulltext_search_and_read_over_the_stdio_server(site):
    async def calls(server):
        async with Client(server) as client:  # in process: the stdio server's own callers
            return await search_and_read(client)

    with Runtime.open(site.settings) as runtime:
        check_search_and_read(run(calls(build_server(StdioCallers(runtime, None)))))
