"""The BEIR SciFact relevance set, read from ../shared at run time, and the two metrics.

SciFact is CC BY-NC 2.0: it is only ever read from ``../shared/data/scifact``; nothing of it
is copied into this repository. Corpus documents become papers with synthetic new-style arXiv
ids (``0001.00001``, ``0001.00002``, ... in corpus order), with a dict back to the doc_id.

Metrics follow BEIR (pytrec_eval) for binary relevance: nDCG@10 with the log2(rank + 1)
discount and the ideal DCG taken from the qrels; Recall@100 = relevant docs in the top 100
over all relevant docs. A query with no relevant docs is not evaluated.

Self-check: .venv/bin/python -m bench.scifact --selftest
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from bench.common import SHARED, require
from paperfeed.ingest.records import PaperRecord

SCIFACT = SHARED / "scifact"
CORPUS = SCIFACT / "corpus.jsonl.gz"
QUERIES = SCIFACT / "queries.jsonl.gz"
QRELS = {"dev": SCIFACT / "qrels" / "dev.tsv", "train": SCIFACT / "qrels" / "train.tsv"}

# Every paper gets the same day: nothing in the relevance set depends on dates.
DAY = date(2020, 1, 1)
_MIDNIGHT = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)


def synthetic_id(n: int) -> str:
    """The ``n``-th (1-based) synthetic arXiv id: 0001.00001 .. 0001.99999."""
    if not 1 <= n <= 99_999:
        raise ValueError(f"synthetic id number out of range: {n}")
    return f"0001.{n:05d}"


@dataclass(frozen=True)
class Corpus:
    records: list[PaperRecord]
    doc_of: dict[str, str]  # synthetic arXiv id -> SciFact doc_id (as a string, like the qrels)

    def __len__(self) -> int:
        return len(self.records)


def _corpus_lines(path: Path) -> Iterator[dict]:
    with gzip.open(require(path), "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path = CORPUS) -> Corpus:
    """Every corpus document as a PaperRecord (abstract = its sentences joined by spaces)."""
    records: list[PaperRecord] = []
    doc_of: dict[str, str] = {}
    for n, item in enumerate(_corpus_lines(path), start=1):
        arxiv_id = synthetic_id(n)
        records.append(
            PaperRecord.build(
                arxiv_id=arxiv_id,
                title=item["title"],
                abstract=" ".join(s.strip() for s in item["abstract"]),
                published_at=_MIDNIGHT,
                submitted_at=_MIDNIGHT,
                feed_day=DAY,
            )
        )
        doc_of[arxiv_id] = str(item["doc_id"])
    return Corpus(records, doc_of)


def load_queries(path: Path = QUERIES) -> dict[str, str]:
    """Every claim by query id (as a string, like the qrels), whatever its split."""
    return {str(item["id"]): item["claim"] for item in _corpus_lines(path)}


def load_qrels(split: str) -> dict[str, set[str]]:
    """Relevant doc_ids per query id for ``split`` (dev = the BEIR test split)."""
    qrels: dict[str, set[str]] = {}
    with open(require(QRELS[split]), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(row["query-id"], set()).add(row["corpus-id"])
    return qrels


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k: sum 1/log2(rank + 1) over hits, over the ideal ranking's."""
    if not relevant:
        raise ValueError("nDCG is undefined for a query without relevant documents")
    seen: set[str] = set()
    dcg = 0.0
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant and doc not in seen:
            dcg += 1.0 / math.log2(rank + 1)
        seen.add(doc)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int = 100) -> float:
    """Share of the relevant documents found in the top ``k``."""
    if not relevant:
        raise ValueError("recall is undefined for a query without relevant documents")
    return len(set(ranked[:k]) & relevant) / len(relevant)


def selftest() -> None:
    """Compare the metrics with values computed by hand."""
    rel = {"a", "b"}
    # Hits at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) = 1.6309...
    cases = [
        (ndcg_at_k(["a", "x", "b"], rel), 1.5 / (1 + 1 / math.log2(3))),  # 0.91972
        (ndcg_at_k(["a", "b", "x"], rel), 1.0),
        (ndcg_at_k(["x", "y"], rel), 0.0),
        # One relevant doc at rank 2: 1/log2(3) = 0.63093; IDCG = 1
        (ndcg_at_k(["x", "a"], {"a"}), 0.6309297535714575),
        # Rank 11 is outside the top 10
        (ndcg_at_k([*"xxxxxxxxxx", "a"], {"a"}), 0.0),
        # Three relevant, ideal DCG over 3: hit at rank 1 only -> 1 / (1 + 0.63093 + 0.5)
        (ndcg_at_k(["a", "x"], {"a", "b", "c"}), 1 / 2.1309297535714578),
        (recall_at_k(["a", "x"], rel), 0.5),
        (recall_at_k(["x"] * 100 + ["a"], rel), 0.0),
        (recall_at_k(["b", "a"], rel), 1.0),
    ]
    for i, (got, want) in enumerate(cases):
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            raise SystemExit(f"selftest case {i}: got {got!r}, want {want!r}")
    assert round(cases[0][1], 5) == 0.91972
    assert synthetic_id(1) == "0001.00001" and synthetic_id(5183) == "0001.05183"
    print(f"selftest ok: {len(cases)} metric cases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--selftest", action="store_true", help="check the metrics and exit")
    parser.add_argument("--stats", action="store_true", help="print corpus and split sizes")
    args = parser.parse_args()
    if args.selftest:
        selftest()
    if args.stats or not args.selftest:
        corpus = load_corpus()
        queries = load_queries()
        out = {"docs": len(corpus), "queries": len(queries)}
        for split in QRELS:
            qrels = load_qrels(split)
            out[split] = {
                "queries": len(qrels),
                "pairs": sum(len(v) for v in qrels.values()),
                "missing_claims": sum(q not in queries for q in qrels),
            }
        print(json.dumps(out))


if __name__ == "__main__":
    main()
