"""Sensible answers on 500 real 2024 Daily Papers (skipped without /work/shared)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import pytest

from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope

DATA = Path("/work/shared/data/hf-daily-papers-scraped-2024/papers.jsonl.gz")
NOW = datetime(2024, 12, 1, tzinfo=UTC)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.exists(), reason=f"real data not available at {DATA}"),
]


@pytest.fixture
def real_papers(session_factory) -> list[dict]:
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in islice(fh, 500)]
    records = [
        PaperRecord.build(
            arxiv_id=r["_arxiv_id"],
            title=r["title"],
            abstract=r["abstract"],
            authors=r["authors"],
            upvotes=r["upvotes"],
            published_at=datetime.fromisoformat(r["_feed_date"]).replace(tzinfo=UTC),
        )
        for r in rows
    ]
    with session_scope(session_factory) as s:
        report = upsert_records(s, records, source="test", now=NOW)
    assert report.added == 500
    return rows


def _text(p) -> str:
    """Title and abstract as lowercase words, so "Mixture-of-Experts" reads as a phrase."""
    return " ".join(re.findall(r"[^\W_]+", f"{p.title} {p.abstract}".lower()))


def test_real_data_unique_title_word_finds_its_paper(real_papers, find):
    results = find("LARP role play open-world games")
    assert results.papers[0].arxiv_id == "2312.17653"


def test_real_data_phrase_results_all_contain_the_phrase(real_papers, find):
    results = find('"mixture of experts"', limit=50)
    assert results.papers
    assert all("mixture of expert" in _text(p) for p in results.papers)


def test_real_data_top_hits_match_in_title(real_papers, find):
    results = find("video generation", limit=5)
    assert len(results.papers) == 5
    assert all("video" in p.title.lower() for p in results.papers)
    assert results.total > 25


def test_real_data_filters_by_date(real_papers, find):
    day = date(2024, 1, 3)
    results = find("language model", date_from=day, date_to=day, limit=100)
    assert results.papers
    assert all(p.published_at.date() == day for p in results.papers)


def test_real_data_author_filter(real_papers, find):
    author = next(a for r in real_papers for a in r["authors"] if len(a.split()) == 2)
    results = find("model", author=author, limit=100)
    last = author.split()[-1].lower()
    assert all(any(last in a.lower() for a in p.authors) for p in results.papers)
