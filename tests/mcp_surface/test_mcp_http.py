"""The MCP server over streamable HTTP at /mcp, through the SDK's own client against the real
app under uvicorn on loopback, on both databases: every tool, anonymous and with a member's
API token, bad arguments, unknown ids, the rate limit, and the app's middleware around /mcp.

One server per module and database (the ``site`` fixture); tests that change state (a save,
the rate limit) use their own papers or member."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from mcp_site import (
    OLD,
    PROTEIN,
    UNKNOWN,
    VIDEO,
    VIDEO_2,
    http_client,
    ids_of,
    make_site,
    run,
    text_of,
)

from live_server import serve
from members import NOW
from module_database import BACKENDS, grouped
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.search_request import Paging, parse_search_request

pytestmark = pytest.mark.slow

READ_TOOLS = {"search", "daily", "trending", "paper", "read", "similar"}
MEMBER_TOOLS = {"for_you", "following", "save", "library"}


@pytest.fixture(scope="module", params=grouped(BACKENDS, "mcp-http"))
def site(request, tmp_path_factory, real_embedder):
    made = make_site(request.param, request, tmp_path_factory.mktemp("mcp-http"), real_embedder)
    app = create_app(made.settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        yield url, made, app


def test_tools_resources_and_their_descriptions(site):
    url, _made, _app = site

    async def listed():
        async with http_client(url) as client:
            tools = (await client.list_tools()).tools
            templates = (await client.list_resource_templates()).resource_templates
            return client.instructions, tools, templates

    instructions, tools, templates = run(listed())
    assert {t.name for t in tools} == READ_TOOLS | MEMBER_TOOLS
    for tool in tools:
        # enough for an agent to choose: what it is for, and every argument described or typed
        assert len(tool.description) > 150, tool.name
        assert tool.output_schema is not None or tool.name == "read", tool.name
        hinted = tool.annotations.read_only_hint
        assert hinted is (tool.name != "save"), tool.name
    search = next(t for t in tools if t.name == "search")
    assert set(search.input_schema["properties"]) >= {"query", "mode", "category", "author"}
    assert search.input_schema["required"] == ["query"]
    assert {t.uri_template for t in templates} == {
        "paperfeed://daily/{period}",
        "paperfeed://papers/{+id}",
        "paperfeed://markdown/{+id}",
    }
    assert "search" in instructions and "API token" in instructions


def test_reading_tools_answer_what_the_service_answers(site):
    url, made, app = site

    async def calls():
        async with http_client(url) as client:
            return {
                "search": await client.call_tool("search", {"query": "video", "mode": "keyword"}),
                "meaning": await client.call_tool(
                    "search", {"query": "how proteins fold", "mode": "semantic", "limit": 1}
                ),
                "by_id": await client.call_tool("search", {"query": f"arXiv:{PROTEIN}"}),
                "fulltext": await client.call_tool(
                    "search", {"query": "video", "mode": "keyword", "fulltext": True}
                ),
                "daily": await client.call_tool("daily", {}),
                "day_before": await client.call_tool("daily", {"date": "2026-11-19"}),
                "week": await client.call_tool("daily", {"week": "2026-W47", "sort": "trending"}),
                "trending": await client.call_tool("trending", {"limit": 2}),
                "paper": await client.call_tool("paper", {"id": f"https://arxiv.org/abs/{OLD}v2"}),
                "read": await client.call_tool("read", {"id": VIDEO}),
                "similar": await client.call_tool("similar", {"id": VIDEO, "limit": 2}),
            }

    got = run(calls())
    assert not any(r.is_error for r in got.values()), {k: text_of(r) for k, r in got.items()}
    with made.sessions() as session:  # the same function the API calls, the same answer
        asked = parse_search_request("video", mode="keyword", paging=Paging(default_limit=10))
        expected = run_search(session, app.state.search, asked, default_mode="hybrid")
    assert ids_of(got["search"]) == [p.arxiv_id for p in expected.papers]
    assert set(ids_of(got["search"])) == {VIDEO, VIDEO_2}
    assert got["search"].structured_content["mode"] == "keyword"
    assert ids_of(got["meaning"]) == [PROTEIN]
    assert ids_of(got["by_id"]) == [PROTEIN]
    # fulltext is passed to the search service: this site has no full text, and says so
    assert set(ids_of(got["fulltext"])) == {VIDEO, VIDEO_2}
    assert "Full-text search is not available" in got["fulltext"].structured_content["notice"]
    daily = got["daily"].structured_content
    assert daily["start"] == "2026-11-20" and daily["previous"] == "2026-11-19"
    assert ids_of(got["daily"]) == [VIDEO, VIDEO_2]  # by upvotes
    assert ids_of(got["day_before"]) == [PROTEIN]
    assert got["week"].structured_content["period"] == "Week 47, 2026"
    assert set(ids_of(got["week"])) == {VIDEO, VIDEO_2, PROTEIN}
    assert ids_of(got["trending"]) == [VIDEO, VIDEO_2]
    paper = got["paper"].structured_content
    assert paper["id"] == OLD and paper["title"] == "Strings on branes"
    assert paper["url"] == f"http://127.0.0.1:8000/papers/{OLD}"  # from base_url, not Host
    markdown = text_of(got["read"])
    assert markdown.startswith("# Diffusion models for video generation")
    assert "## Abstract" in markdown
    assert ids_of(got["similar"])[0] == VIDEO_2 and VIDEO not in ids_of(got["similar"])


def test_resources_daily_paper_and_markdown(site):
    url, _made, _app = site

    async def reads():
        async with http_client(url) as client:
            latest = await client.read_resource("paperfeed://daily/latest")
            month = await client.read_resource("paperfeed://daily/2026-11")
            old = await client.read_resource(f"paperfeed://papers/{OLD}")
            markdown = await client.read_resource(f"paperfeed://markdown/{VIDEO}")
            errors = []
            for uri in (f"paperfeed://papers/{UNKNOWN}", "paperfeed://daily/yesterday"):
                try:
                    await client.read_resource(uri)
                except MCPError as exc:
                    errors.append(str(exc))
            return latest, month, old, markdown, errors

    latest, month, old, markdown, errors = run(reads())
    day = json.loads(latest.contents[0].text)
    assert [p["id"] for p in day["papers"]] == [VIDEO, VIDEO_2]
    assert len(json.loads(month.contents[0].text)["papers"]) == 3
    assert json.loads(old.contents[0].text)["id"] == OLD
    assert markdown.contents[0].mime_type == "text/markdown"
    assert markdown.contents[0].text.startswith("# Diffusion models")
    assert errors[0].startswith("Not found") and "is not a period" in errors[1]


def test_member_tools_refuse_anonymous_callers(site):
    url, _made, _app = site

    async def calls():
        async with http_client(url) as client:
            return {
                name: await client.call_tool(name, {"id": VIDEO} if name == "save" else {})
                for name in MEMBER_TOOLS
            }

    for name, result in run(calls()).items():
        assert result.is_error, name
        assert "Not signed in" in text_of(result) and "API token" in text_of(result)


def test_member_tools_with_a_token(site):
    url, made, _app = site

    async def calls():
        async with http_client(url, made.token) as client:
            out = {"for_you": await client.call_tool("for_you", {"mix": 1.0})}
            out["following"] = await client.call_tool("following", {"days": 7})
            out["save"] = await client.call_tool("save", {"id": PROTEIN})
            out["again"] = await client.call_tool("save", {"id": PROTEIN})
            out["library"] = await client.call_tool("library", {})
            out["unknown"] = await client.call_tool("save", {"id": UNKNOWN})
            out["not_mine"] = await client.call_tool("library", {"collection_id": 999})
            return out

    got = run(calls())
    assert not any(got[k].is_error for k in ("for_you", "following", "save", "library"))
    assert set(ids_of(got["for_you"])) >= {VIDEO, VIDEO_2}
    assert ids_of(got["following"]) and set(ids_of(got["following"])) == {VIDEO, VIDEO_2}
    assert got["following"].structured_content["papers"][0]["because"] == ["cs.CV"]
    assert got["save"].structured_content["changed"] is True
    assert got["again"].structured_content["changed"] is False  # idempotent
    library = got["library"].structured_content
    assert [p["paper"]["id"] for p in library["papers"]] == [PROTEIN]
    assert library["collections"][0]["is_default"] and library["collections"][0]["papers"] == 1
    assert got["unknown"].is_error and "Not found" in text_of(got["unknown"])
    assert got["not_mine"].is_error and "Not found" in text_of(got["not_mine"])


BAD_CALLS = [
    ("search", {}, "query"),  # missing
    ("search", {"query": "x", "mode": "fuzzy"}, "mode"),
    ("search", {"query": "x", "limit": 0}, "limit must be a whole number from 1 to 50"),
    ("search", {"query": "x", "date_from": "2026-02-30"}, "Invalid arguments"),
    ("search", {"query": "x" * 600}, "at most 500"),
    ("daily", {"date": "2026-11-20", "week": "2026-W47"}, "only one of"),
    ("daily", {"week": "2026-W99"}, "Invalid arguments"),
    ("daily", {"limit": "many"}, "valid integer"),
    ("trending", {"offset": -1}, "offset must be"),
    ("paper", {"id": "not-an-id"}, "is not an arXiv id"),
    ("paper", {"id": 2611.00001}, "valid string"),
    ("paper", {"id": UNKNOWN}, "Not found"),
    ("read", {"id": UNKNOWN}, "Not found"),
    ("similar", {"id": UNKNOWN}, "Not found"),
    ("similar", {"id": VIDEO, "limit": 51}, "limit must be"),
    ("no_such_tool", {}, "Unknown tool"),
]


def test_bad_arguments_and_unknown_ids_are_tool_errors(site):
    url, _made, _app = site

    async def calls():
        async with http_client(url, mode="legacy") as client:  # the 2025 handshake too
            results = [await client.call_tool(tool, arguments) for tool, arguments, _ in BAD_CALLS]
            return results, await client.list_tools()  # the server goes on

    results, alive = run(calls())
    for (tool, _arguments, says), result in zip(BAD_CALLS, results, strict=True):
        assert result.is_error and says in text_of(result), (tool, text_of(result))
    assert len(alive.tools) == 10


def test_calls_are_rate_limited_per_member(site, monkeypatch):
    url, made, app = site
    monkeypatch.setattr(app.state.settings, "rate_limit_mcp", "3/minute")

    async def calls():
        async with http_client(url, made.bob_token) as client:
            return [await client.call_tool("trending", {}) for _ in range(4)]

    results = run(calls())
    assert [r.is_error for r in results] == [False, False, False, True]
    assert "Rate limited" in text_of(results[-1]) and "try again in" in text_of(results[-1])


def test_a_bad_token_is_refused_before_any_mcp_message(site):
    url, _made, _app = site
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Authorization": "Bearer pf_not-a-real-token", "Accept": "application/json"}
    r = httpx.post(url + "/mcp", json=message, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error": "Invalid or revoked API token.", "status": 401}
    assert "invalid_token" in r.headers["www-authenticate"]


def test_the_apps_middleware_wraps_mcp(site):
    url, made, _app = site
    accept = {"Accept": "application/json, text/event-stream"}
    big = "x" * (made.settings.max_body_bytes + 1)
    r = httpx.post(
        url + "/mcp", content=big, headers={**accept, "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["ok"] is False  # the app's body limit, first
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    # The Host a client sends is replaced by base_url's (PublicHost), so any Host is served...
    r = httpx.post(url + "/mcp", json=ping, headers={**accept, "Host": "evil.example"})
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    # ...but a browser page of another site is refused (DNS rebinding, cross-site calls).
    r = httpx.post(url + "/mcp", json=ping, headers={**accept, "Origin": "http://evil.example"})
    assert r.status_code == 403
    # A member's answers are private (the security headers judge the token /mcp resolved).
    bearer = {**accept, "Authorization": f"Bearer {made.token}"}
    r = httpx.post(url + "/mcp", json=ping, headers=bearer)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    # Cookies are no credentials here: a browser session never signs an MCP call in.
    r = httpx.post(
        url + "/mcp",
        json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "library"}},
        headers={**accept, "Cookie": "paperfeed_session=anything"},
    )
    assert r.status_code == 200 and r.json()["result"]["isError"] is True
