"""``paperfeed search`` and ``paperfeed index``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from paperfeed.cli import cli


@pytest.fixture
def run(settings):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), obj=settings)


def test_cli_search_prints_ranked_papers(run, paper_factory):
    top = paper_factory(
        title="Sparse mixture of experts",
        abstract="A sparse mixture of experts routes each token to two of its experts.",
        upvotes=12,
    )
    paper_factory(
        title="Dense models",
        abstract="Dense language models, compared with a mixture of experts of equal cost.",
        upvotes=3,
    )
    result = run("search", "mixture experts")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == [top, "12"]
    assert "Sparse mixture of experts" in lines[0]
    assert len(lines) == 2


def test_cli_search_json_and_filters(run, paper_factory):
    paper_factory(title="Speech codecs", categories=("eess.AS",), authors=("Ada Lovelace",))
    want = paper_factory(title="Speech recognition", categories=("cs.CL",))
    result = run("search", "speech", "--category", "cs.cl", "--json", "--from", "2020-01-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["arxiv_id"] for p in data["papers"]] == [want]
    assert data["total"] == 1 and data["exact_id"] is None


def test_cli_search_arxiv_id(run, paper_factory):
    pid = paper_factory(title="Exact")
    result = run("search", f"https://arxiv.org/abs/{pid}", "--json")
    assert json.loads(result.output)["exact_id"] == pid


def test_cli_search_nothing_found_and_limit(run, paper_factory):
    for i in range(3):
        paper_factory(title=f"Robots {i}")
    assert run("search", "zebra").output.strip() == "no matching papers"
    result = run("search", "robots", "--limit", "1")
    assert "2 more (use --offset 1)" in result.output


def test_cli_search_bad_dates_are_one_line_errors(run, paper_factory):
    result = run("search", "x", "--from", "2024-02-01", "--to", "2024-01-01")
    assert result.exit_code == 1
    assert "after" in result.output and "Traceback" not in result.output
    result = run("search", "x", "--from", "yesterday")  # the same message as the pages' 400
    assert result.exit_code == 1 and "invalid from date 'yesterday'" in result.output


def test_cli_index_sync_and_rebuild(run, paper_factory, backend):
    paper_factory(title="One")
    paper_factory(title="Two")
    synced = run("index", "sync")
    rebuilt = run("index", "rebuild")
    assert synced.exit_code == 0 and rebuilt.exit_code == 0, synced.output + rebuilt.output
    if backend == "sqlite":
        assert "synced 2 papers" in synced.output
        assert "rebuilt with 2 papers" in rebuilt.output
        assert "synced 0 papers" in run("index", "sync").output
    else:
        assert "term statistics: 2 papers counted" in synced.output
        assert "term statistics: 2 papers recounted" in rebuilt.output
        assert "term statistics: 0 papers counted" in run("index", "sync").output
