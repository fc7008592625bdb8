"""Build the bundled demo dataset (src/paperfeed/demo/papers.jsonl.gz) from ../shared/data.

Source: Hugging Face Daily Papers 2024 as scraped from huggingface.co/papers
(github.com/BinChang/hf-daily-paper-scraper, see ../shared/data/hf-daily-papers-scraped-2024):
arXiv metadata (CC0 1.0: ids, titles, authors, abstracts) and the upvote counts read in Nov 2024.
Where the same paper is in ../shared/data/hf-daily-papers-api, its arXiv publication time is
taken from there (also arXiv metadata), and so are its author names when the scrape has none
(the scraper missed them on 243 cards; arXiv metadata again, in arXiv's order, hidden HF
claims included as the HF ingest does). Nothing else from that set is copied.

The output is paperfeed's own JSON Lines format ("paperfeed/1": one object per line whose keys
are the PaperRecord fields), so the demo loads through the same importer as any export.
Run: python scripts/build_demo_data.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "paperfeed" / "demo" / "papers.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--limit", type=int, default=3000)
    args = parser.parse_args()
    data = args.shared / "data"

    published: dict[str, str] = {}
    api_authors: dict[str, list[str]] = {}
    with gzip.open(data / "hf-daily-papers-api" / "papers.jsonl.gz", "rt") as f:
        for line in f:
            item = json.loads(line)
            published[item["paper"]["id"]] = item["paper"].get("publishedAt")
            api_authors[item["paper"]["id"]] = [
                a["name"] for a in item["paper"].get("authors") or () if a.get("name")
            ]

    rows = []
    missing = filled = 0
    with gzip.open(data / "hf-daily-papers-scraped-2024" / "papers.jsonl.gz", "rt") as f:
        for line in f:
            item = json.loads(line)
            arxiv_id = item["_arxiv_id"]
            authors = item["authors"]
            if not authors:
                missing += 1
                authors = api_authors.get(arxiv_id) or []
                filled += bool(authors)
            rows.append(
                {
                    "arxiv_id": arxiv_id,
                    "title": item["title"],
                    "abstract": item["abstract"],
                    "authors": authors,
                    "published_at": published.get(arxiv_id),
                    "upvotes": item["upvotes"],
                    "feed_day": item["_feed_date"],
                    # The scrape has the day, not the time, a paper was posted: start of day.
                    "submitted_at": f"{item['_feed_date']}T00:00:00+00:00",
                }
            )
    rows.sort(key=lambda r: (r["feed_day"], r["arxiv_id"]))
    rows = rows[-args.limit :]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as raw:  # mtime=0: byte-identical rebuilds
        for row in rows:
            raw.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode())
    print(f"wrote {len(rows)} papers to {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")
    print(f"{missing} scraped without authors: {filled} filled from the API items")
    print(f"{sum(not r['authors'] for r in rows)} of the written papers have no authors")


if __name__ == "__main__":
    main()
