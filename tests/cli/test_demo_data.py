"""The packaged demo papers (src/paperfeed/demo/papers.jsonl.gz, SOURCE.md) have authors
wherever the Hugging Face API snapshots know them, and the loaded demo looks alive: trending
as of its latest activity, and no card saying "0 authors"."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from paperfeed.cli.demo import load_demo
from paperfeed.demo import PAPERS_FILE

SHARED_API = Path(__file__).resolve().parents[3] / "shared/data/hf-daily-papers-api"


@pytest.fixture(scope="module")
def demo_rows() -> list[dict]:
    with PAPERS_FILE.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_demo_papers_without_scraped_authors_have_those_of_the_api_snapshots(demo_rows):
    by_id = {r["arxiv_id"]: r for r in demo_rows}
    assert len(by_id) == 2836
    # One of the 163 the scraper missed (SOURCE.md): arXiv's names, in arXiv's order.
    assert by_id["2405.15071"]["authors"] == ["Boshi Wang", "Xiang Yue", "Yu Su", "Huan Sun"]
    assert len(by_id["2405.17399"]["authors"]) == 11
    assert sum(not r["authors"] for r in demo_rows) == 80  # the count SOURCE.md gives
    assert all(name and name == name.strip() for r in demo_rows for name in r["authors"])


@pytest.mark.skipif(not SHARED_API.is_dir(), reason="needs ../shared/data (the demo's source)")
def test_every_demo_paper_the_api_snapshots_know_has_authors(demo_rows):
    known = {}
    with gzip.open(SHARED_API / "papers.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            paper = json.loads(line)["paper"]
            known[paper["id"]] = [a["name"] for a in paper.get("authors") or () if a.get("name")]
    assert [r["arxiv_id"] for r in demo_rows if not r["authors"] and known.get(r["arxiv_id"])] == []


def test_loaded_demo_is_trending_as_of_its_latest_day_without_zero_authors(
    settings, client, demo_rows
):
    load_demo(settings)
    r = client.get("/papers/trending")  # the clock: 2026-11-20, two years after the data
    assert r.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", r.text).split())
    assert "Trending as of Nov 8, 2024" in text and "Nothing is trending" not in text
    assert len(re.findall(r'<article class="card"', r.text)) == settings.page_size
    assert ">0 authors<" not in r.text
    unknown = next(row for row in demo_rows if not row["authors"])
    day = client.get("/papers", params={"date": unknown["feed_day"]}).text
    card = day.split(f'id="paper-{unknown["arxiv_id"]}"')[1].split("</article>")[0]
    assert "author" not in card.split('<p class="meta">')[1].split("</p>")[0]
    # The API keeps HF's shape: an empty list, not a missing field.
    assert client.get(f"/api/papers/{unknown['arxiv_id']}").json()["authors"] == []
