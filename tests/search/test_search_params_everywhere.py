"""One reading of search parameters (issue 14 item 6): the same bad input gets the same
message on ``/search`` (the 400 page), ``/feeds/search.atom`` and ``/api/papers/search`` (JSON
errors) and ``paperfeed search`` (one error line): the message of
:func:`paperfeed.service.search_request.parse_search_request`. Before, each surface checked
its parameters itself: FastAPI's "invalid request: mode: Input should be ..." on the web,
click's "Invalid value for '--mode' ..." in the shell, a 10,001-character query refused on
the pages but searched by the API and the CLI, a long author accepted by the API only."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from markupsafe import escape

from paperfeed.cli import cli
from paperfeed.errors import InvalidInput
from paperfeed.service.search_request import Paging, parse_search_request
from paperfeed.web.search_form import pages_paging

LONG_QUERY = "x" * 10_001
# (parameters as a query string has them, the same as `paperfeed search` options)
BAD = [
    ({"mode": "telepathy"}, ["--mode", "telepathy"]),
    ({"from": "yesterday"}, ["--from", "yesterday"]),
    ({"to": "9999-12-31"}, ["--to", "9999-12-31"]),
    ({"from": "2026-05-01", "to": "2026-01-01"}, ["--from", "2026-05-01", "--to", "2026-01-01"]),
    ({"q": LONG_QUERY}, []),
    ({"author": "a" * 201}, ["--author", "a" * 201]),
    ({"category": "c" * 65}, ["--category", "c" * 65]),
]
_NAMES = {"q": "query", "from": "date_from", "to": "date_to"}


def domain_message(params: dict[str, str], paging: Paging) -> str:
    raw = {_NAMES.get(k, k): v for k, v in params.items() if k not in ("p",)}
    with pytest.raises(InvalidInput) as refused:
        parse_search_request(**{"query": "x", **raw}, page=params.get("p"), paging=paging)
    return refused.value.message


def cli_message(settings, query: str, args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["search", query, *args], obj=settings)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    line = result.output.strip()
    assert line.startswith("Error: ") and len(line.splitlines()) == 1, result.output
    return line.removeprefix("Error: ")


def json_message(client, path: str, params: dict[str, str]) -> str:
    r = client.get(path, params={"q": "x", **params})
    assert r.status_code == 400, r.text[:300]
    body = r.json()
    assert body["ok"] is False and body["status"] == 400
    return body["error"]


@pytest.mark.parametrize(("params", "args"), BAD, ids=lambda v: str(v)[:40])
def test_bad_search_input_gets_the_same_message_everywhere(client, settings, params, args):
    message = domain_message(params, Paging(default_limit=20))
    page = client.get("/search", params={"q": "x", **params})
    assert page.status_code == 400 and "html" in page.headers["content-type"]
    assert str(escape(message)) in page.text, page.text[:2000]
    assert json_message(client, "/feeds/search.atom", params) == message
    assert json_message(client, "/api/papers/search", params) == message
    query = params.get("q", "x")
    assert cli_message(settings, query, args) == message


@pytest.mark.parametrize("limit", ["0", "-3", "ten", "9" * 40 + "x"])
def test_a_bad_limit_gets_the_message_of_its_paging(client, settings, limit):
    """The API's limit runs to api_max_limit (larger ones are capped), the CLI's to 1,000."""
    api_paging = Paging(default_limit=20, max_limit=settings.api_max_limit, cap_limit=True)
    api = json_message(client, "/api/papers/search", {"limit": limit})
    assert api == domain_message({"limit": limit}, api_paging)
    assert api.startswith("limit must be a whole number from 1 to ")
    shell = cli_message(settings, "x", ["--limit", limit])
    assert shell == domain_message({"limit": limit}, Paging(default_limit=20))


def test_a_limit_too_large_is_capped_by_the_api_and_refused_by_the_cli(client, settings):
    """By design (api/routes.py): clients written for HF ask for any page size."""
    r = client.get("/api/papers/search", params={"q": "x", "limit": "5000"})
    assert r.status_code == 200
    refused = cli_message(settings, "x", ["--limit", "5000"])
    assert refused == "limit must be a whole number from 1 to 1000, got '5000'"


@pytest.mark.parametrize("page", ["0", "-1", "two", "1000000"])
def test_a_bad_page_gets_the_message_of_its_paging(client, page):
    """Pages count from 1, the API from 0 (as on HF): the same rule, its own first page."""
    settings = client.app.state.settings
    expected = domain_message({"p": page}, pages_paging(settings))
    r = client.get("/search", params={"q": "x", "p": page})
    assert r.status_code == 400 and str(escape(expected)) in r.text
    if page != "0":
        api_paging = Paging(default_limit=20, max_limit=settings.api_max_limit, cap_limit=True)
        expected = domain_message({"p": page}, api_paging)
        assert json_message(client, "/api/papers/search", {"p": page}) == expected
