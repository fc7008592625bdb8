"""Search at arXiv scale (issue 3, item 7): build cost and latency at 100k and 1M papers.

The corpus is the 74,728 real arXiv cs papers of ../shared/data plus synthetic papers up to
the requested size, loaded through the real ingest pipeline. Each synthetic paper is made
from a random real *parent*:

- text: every word of the parent's title and abstract is kept with probability 1/2, else
  replaced by a word drawn from the real corpus's unigram distribution. Document lengths,
  the vocabulary and the Zipf shape of term frequencies stay those of real abstracts, and no
  synthetic paper duplicates another;
- vector: the parent's real embedding plus Gaussian noise with the real vectors' covariance,
  re-normalised, the noise scale calibrated so nearest-neighbour similarities match the real
  set's (:mod:`bench.synthetic`). Text and vector share the parent, so the keyword and the
  semantic leg of a hybrid query agree as they would on real papers.

Real vectors come from the cache of :mod:`bench.embed_cache` (computed once, about an hour
on 2 cores); ``--allow-partial`` uses the cached part and gives the other real papers
synthetic vectors (the report says how many are real).

Reported per backend and size: ingest and keyword-index time, vector index build time, vector
index RAM (usearch: its own accounting and the process RSS growth on load; PostgreSQL: the
HNSW index size, which must stay in the page cache), disk, latency p50/p95/p99 of keyword,
semantic (query embedding included: every query is new to the model) and hybrid searches
through the product's search service, and recall@20 of the vector index against exact search.

Run: .venv/bin/python -m bench.search_scale --backend sqlite --size 100000 [--size 1000000]
(``--keep DIR --build-only`` builds and keeps; the same command without ``--build-only``
then only times the queries, e.g. once the machine is quiet.)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text

from bench.common import arxiv_cs_records, cpu_quiet, machine, postgres_server
from bench.embed_cache import CHUNK, arxiv_texts, cache_root, cached_embeddings
from bench.synthetic import _Noise, calibrate_sigma, unit
from paperfeed.embed.model import DEFAULT_MODEL, use_one_thread_per_query
from paperfeed.embed.query import query_embedder_of
from paperfeed.embed.store import text_hash
from paperfeed.ingest.pipeline import run_ingest
from paperfeed.ingest.records import PaperRecord
from paperfeed.search import SearchFilters, open_backend, sync_search_index
from paperfeed.search.semantic import SemanticSearch
from paperfeed.search.sync import open_vector_index, sync_vector_index
from paperfeed.service.search import Mode, search
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.store.models import PaperEmbedding

NOW = datetime(2026, 11, 25, tzinfo=UTC)
_WORD = re.compile(r"\S+")
QUERY_SEED = 7


# ---------------------------------------------------------------- corpus


def real_records() -> list[PaperRecord]:
    return [r for r in arxiv_cs_records() if isinstance(r, PaperRecord)]


def real_vectors(n_real: int, allow_partial: bool) -> np.ndarray:
    """Vectors of the real papers in corpus order; rows not cached are NaN (partial mode).

    Not partial: waits until every chunk is cached when ``bench.embed_cache`` is filling the
    cache in another process (the build starts meanwhile), computes the rest otherwise.
    """
    _ids, texts = arxiv_texts()
    assert len(texts) == n_real, (len(texts), n_real)
    folders = sorted(cache_root().glob("arxiv-cs-*"))
    paths = [f"{start:08d}.npy" for start in range(0, n_real, CHUNK)]
    if not allow_partial:
        while folders and _cache_filling() and not all((folders[-1] / p).exists() for p in paths):
            time.sleep(20)
        return cached_embeddings("arxiv-cs", texts)
    out = np.full((n_real, 384), np.nan, dtype=np.float32)
    for folder in folders[-1:]:
        for start, name in zip(range(0, n_real, CHUNK), paths, strict=True):
            if (folder / name).exists():
                chunk = np.load(folder / name).astype(np.float32)
                out[start : start + len(chunk)] = chunk
    return out


def _cache_filling() -> bool:
    """Whether a ``python -m bench.embed_cache`` process is running."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"bench.embed_cache" in cmdline.read_bytes():
                return True
        except OSError:
            continue
    return False


class Synthesizer:
    """Synthetic papers and vectors from real parents (see the module docstring)."""

    def __init__(self, records: list[PaperRecord], seed: int = 1):
        self.records = records
        self.rng = np.random.default_rng(seed)
        counts: Counter[str] = Counter()
        for r in records:
            counts.update(_WORD.findall(r.title))
            counts.update(_WORD.findall(r.abstract))
        self.vocab = np.array(list(counts), dtype=object)
        freq = np.array(list(counts.values()), dtype=np.float64)
        self.cdf = np.cumsum(freq / freq.sum())
        self.sigma: float | None = None

    def use_vectors(self, vectors: np.ndarray) -> None:
        """The real papers' vectors (NaN rows: not known), needed by :meth:`vectors`."""
        known = ~np.isnan(vectors).any(axis=1)
        self.real = unit(vectors[known])
        self.known = known
        self.noise = _Noise(self.real)

    def _words(self, source: str) -> str:
        words = np.array(_WORD.findall(source), dtype=object)
        if not len(words):
            return source
        swap = self.rng.random(len(words)) < 0.5
        picks = np.searchsorted(self.cdf, self.rng.random(int(swap.sum())))
        words[swap] = self.vocab[np.minimum(picks, len(self.vocab) - 1)]
        return " ".join(words)

    def papers(self, n: int) -> Iterator[tuple[PaperRecord, int]]:
        """``n`` synthetic records with their parent's index; ids 0704.00001 .. 2412.99999."""
        start = datetime(2007, 4, 1, tzinfo=UTC)
        for i in range(n):
            month, number = divmod(i, 99_999)
            year, mon = 7 + (month + 3) // 12, (month + 3) % 12 + 1
            parent_i = int(self.rng.integers(len(self.records)))
            parent = self.records[parent_i]
            published = start + timedelta(days=int(self.rng.integers(0, 365 * 17)))
            yield (
                PaperRecord.build(
                    arxiv_id=f"{year:02d}{mon:02d}.{number + 1:05d}",
                    title=self._words(parent.title),
                    abstract=self._words(parent.abstract),
                    authors=parent.authors,
                    categories=parent.categories,
                    published_at=published,
                    feed_day=published.date(),
                    submitted_at=published,
                ),
                parent_i,
            )

    def vectors(self, parents: np.ndarray) -> np.ndarray:
        """One synthetic vector per parent index (a parent with no real vector: a random one)."""
        if self.sigma is None:
            ratio = max(1.0, len(parents) / len(self.real))
            self.sigma = calibrate_sigma(self.real[:20_000], ratio, seed=3)
        known_rows = np.flatnonzero(self.known)
        real_of = np.full(len(self.known), -1)
        real_of[known_rows] = np.arange(len(known_rows))
        base_idx = real_of[parents]
        missing = base_idx < 0
        base_idx[missing] = self.rng.integers(0, len(self.real), size=int(missing.sum()))
        out = np.empty((len(parents), self.real.shape[1]), dtype=np.float32)
        for s in range(0, len(parents), 50_000):
            idx = base_idx[s : s + 50_000]
            out[s : s + len(idx)] = unit(
                self.real[idx] + self.sigma * self.noise(self.rng, len(idx))
            )
        return out


# ---------------------------------------------------------------- loading


def load_papers(sessions, records, synth: Synthesizer, size: int) -> tuple[dict, list[int]]:
    """Ingest real + synthetic papers through the real pipeline; the synthetic ones' parents."""
    n_synth = max(0, size - len(records))
    parents: list[int] = []

    def stream():
        yield from records[:size]
        for record, parent in synth.papers(n_synth):
            parents.append(parent)
            yield record

    started = time.perf_counter()
    report = run_ingest(sessions, stream(), source="bench", now=NOW)
    assert not report.failed, report.failed[:3]
    figures = {
        "papers": size,
        "real_papers": min(size, len(records)),
        "synthetic_papers": n_synth,
        "ingest_s": round(time.perf_counter() - started, 1),
    }
    return figures, parents


def load_vectors(engine, records, vectors, synth: Synthesizer, size: int, parents) -> dict:
    """Store one embedding per paper in bulk: real ones (else synthetic), then synthetic."""
    real_part = vectors[: min(size, len(records))].copy()
    missing = np.isnan(real_part).any(axis=1)
    if missing.any():
        real_part[missing] = synth.vectors(np.flatnonzero(missing))
    all_vectors = np.concatenate([real_part, synth.vectors(np.array(parents, dtype=np.int64))])
    started = time.perf_counter()
    with engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT arxiv_id, id FROM papers")).all())
        head = conn.execute(text("SELECT coalesce(max(seq), 0) FROM paper_changes")).scalar()
    order = [r.arxiv_id for r in records[: len(real_part)]] + [
        f"{7 + (m + 3) // 12:02d}{(m + 3) % 12 + 1:02d}.{n + 1:05d}"
        for m, n in (divmod(i, 99_999) for i in range(len(parents)))
    ]
    table = PaperEmbedding.__table__
    batch = 5_000
    for s in range(0, len(order), batch):
        rows = [
            {
                "paper_id": ids[a],
                "model": DEFAULT_MODEL,
                "dim": 384,
                "vector": all_vectors[s + j],
                "text_hash": text_hash(a),  # not checked by the index; the embed job is not run
                "source_seq": head,
                "created_at": NOW,
            }
            for j, a in enumerate(order[s : s + batch])
        ]
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    return {
        "real_vectors": int((~missing).sum()),
        "store_vectors_s": round(time.perf_counter() - started, 1),
        "vectors": all_vectors,
        "order": order,
    }


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# ---------------------------------------------------------------- measuring


def percentiles(ms: list[float]) -> dict:
    q = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": round(q[0], 1), "p95_ms": round(q[1], 1), "p99_ms": round(q[2], 1)}


def queries(records: list[PaperRecord], n: int) -> list[str]:
    """Real titles, shortened to 3-8 words: what people type into a search box."""
    rng = np.random.default_rng(QUERY_SEED)
    out = []
    for i in rng.choice(len(records), size=n, replace=False):
        words = _WORD.findall(records[int(i)].title)
        out.append(" ".join(words[: int(rng.integers(3, 9))]))
    return out


def latency(sessions, backend, semantic_factory, texts: list[str]) -> dict:
    results = {}
    for mode in Mode:
        semantic = semantic_factory()  # a fresh query cache: every query runs the model
        for warm in ("warm up one", "warm up two", "warm up three"):
            with sessions() as session:
                search(session, backend, warm, mode=mode, semantic=semantic)
        times = []
        for q in texts:
            with sessions() as session:
                started = time.perf_counter()
                found = search(session, backend, q, limit=20, mode=mode, semantic=semantic)
                times.append((time.perf_counter() - started) * 1000)
                assert found.mode is mode, found.notice
        results[mode.value] = percentiles(times)
    return results


def recall_at_20(sessions, index, vectors: np.ndarray, order: list[str], n: int) -> float:
    rng = np.random.default_rng(QUERY_SEED + 1)
    picks = rng.choice(len(vectors), size=n, replace=False)
    hits = 0
    for i in picks:
        q = vectors[i] + 0.05 * unit(rng.standard_normal((1, vectors.shape[1])))[0]
        q = q / np.linalg.norm(q)
        exact = np.argpartition(-(vectors @ q), 20)[:20]
        want = {order[j] for j in exact}
        with sessions() as session:
            got = {
                h.arxiv_id for h in index.search(session, q.astype(np.float32), SearchFilters(), 20)
            }
        hits += len(want & got)
    return hits / (20 * n)


def run(
    backend: str,
    size: int,
    records,
    vectors_of,
    synth,
    workdir: Path,
    n_queries: int,
    *,
    keep: bool = False,
    measure: bool = True,
) -> dict:
    """Build (or, with ``keep``, reopen a kept build in ``workdir``) and measure.

    A kept build is the database, the indexes, ``build.json`` (its figures) and the vectors
    with their paper ids (for recall), so the queries can be timed later on a quiet machine.
    """
    built = workdir / "build.json"
    if backend == "postgresql":
        server_ctx = postgres_server(workdir / "pg", keep=keep)
        base = server_ctx.__enter__()
        url = base.replace("/postgres?", "/scale?")
        configure_postgres(base)
    else:
        server_ctx = None
        url = f"sqlite:///{workdir}/scale.db"
    try:
        settings = Settings(database_url=url, index_dir=workdir / "index", _env_file=None)
        if built.exists():
            result = json.loads(built.read_text())
            vecs = np.load(workdir / "vectors.npy").astype(np.float32)
            order = json.loads((workdir / "order.json").read_text())
        else:
            result, vecs, order = build(
                backend, size, records, vectors_of, synth, workdir, url, settings
            )
            if keep:
                np.save(workdir / "vectors.npy", vecs.astype(np.float16))
                (workdir / "order.json").write_text(json.dumps(order))
                built.write_text(json.dumps(result))
        if measure:
            result.update(measured(backend, records, settings, url, vecs, order, n_queries))
        return result
    finally:
        if server_ctx is not None:
            server_ctx.__exit__(None, None, None)


def vacuum(engine, backend: str, result: dict, *tables: str) -> None:
    """PostgreSQL: VACUUM (ANALYZE) ``tables``, as autovacuum would, but now: right after a
    bulk load every query is ~4x slower (no visibility map, no statistics)."""
    if backend != "postgresql":
        return
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    result["vacuum_s"] = round(result.get("vacuum_s", 0) + time.perf_counter() - started, 1)


# What an operator of a 1M-paper site would set (pgserver starts with PostgreSQL's defaults,
# 64 MB and 128 MB): the HNSW graph of 1M vectors (~1.2 GB) is built in memory, and the
# vector index stays in shared buffers. shared_buffers applies from the next server start,
# so only to a kept build's measuring run.
POSTGRES_SETTINGS = {"maintenance_work_mem": "2GB", "shared_buffers": "2GB"}


def configure_postgres(base: str) -> None:
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name, value in POSTGRES_SETTINGS.items():
            conn.exec_driver_sql(f"ALTER SYSTEM SET {name} = '{value}'")
        conn.exec_driver_sql("SELECT pg_reload_conf()")
    admin.dispose()


def build(backend, size, records, vectors_of, synth, workdir: Path, url: str, settings) -> tuple:
    """Load the papers and build both indexes; the build's figures, vectors and paper ids."""
    # Start clean: a build interrupted last time left no build.json but may have left data.
    if backend == "postgresql":
        admin = make_engine(url.replace("/scale?", "/postgres?"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS scale"))
            conn.execute(text("CREATE DATABASE scale"))
        admin.dispose()
    else:
        for path in workdir.glob("scale.db*"):
            path.unlink()
    shutil.rmtree(workdir / "index", ignore_errors=True)
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    result = {"backend": backend, "size": size}
    figures, parents = load_papers(sessions, records, synth, size)
    result.update(figures)
    vacuum(engine, backend, result, "papers", "paper_changes")
    started = time.perf_counter()
    sync_search_index(settings, engine)
    result["keyword_index_s"] = round(time.perf_counter() - started, 1)

    # The vectors only now: the real ones may still be being embedded by bench.embed_cache.
    loaded = load_vectors(engine, records, vectors_of(synth), synth, size, parents)
    vecs, order = loaded.pop("vectors"), loaded.pop("order")
    result.update(loaded)
    result["synthetic_sigma"] = synth.sigma
    vacuum(engine, backend, result, "paper_embeddings")
    started = time.perf_counter()
    sync_vector_index(settings, engine, DEFAULT_MODEL)
    result["vector_index_build_s"] = round(time.perf_counter() - started, 1)

    with engine.connect() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            result["db_mb"] = round(Path(url.removeprefix("sqlite:///")).stat().st_size / 1e6)
            result["keyword_index_mb"] = round(dir_mb(workdir / "index" / "keyword"))
            result["vector_index_mb"] = round(dir_mb(workdir / "index" / "vector"))
        else:
            size_of = "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM "
            result["db_mb"] = round(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar() / 1e6
            )
            result["vector_index_mb"] = round(
                float(
                    conn.execute(
                        text(
                            size_of + "pg_stat_user_indexes "
                            "WHERE indexrelname LIKE 'ix_paper_embeddings_hnsw%'"
                        )
                    ).scalar()
                )
                / 1e6
            )
            result["keyword_index_mb"] = round(
                conn.execute(text("SELECT pg_relation_size('ix_papers_search_tsv')")).scalar() / 1e6
            )
    engine.dispose()
    return result, vecs, order


def measured(backend, records, settings, url: str, vecs, order, n_queries: int) -> dict:
    """Vector index memory on open, recall@20 and the latencies, on a built database."""
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)  # a kept build may predate the newest migrations
    sessions = make_sessionmaker(engine)
    result: dict = {}
    gc.collect()
    before = rss_mb()
    index = open_vector_index(settings, engine, DEFAULT_MODEL)
    with sessions() as session:  # load/catch up before measuring
        index.search(session, vecs[0], SearchFilters(), 1)
    result["vector_index_rss_mb"] = round(rss_mb() - before, 1)
    inner = getattr(index, "_index", None)
    if inner is not None and hasattr(inner, "memory_usage"):
        result["vector_index_memory_mb"] = round(inner.memory_usage / 1e6, 1)

    embedder = query_embedder_of(settings)  # as the web server embeds queries
    use_one_thread_per_query()  # as the web server does
    embedder.encode(["load the model before timing"])
    result["query_runtime"] = getattr(embedder, "runtime", "torch")
    keyword_backend = open_backend(settings, engine)
    texts = queries(records, n_queries)
    with cpu_quiet():
        result["load_avg"] = round(os.getloadavg()[0], 1)
        result["recall_at_20"] = round(recall_at_20(sessions, index, vecs, order, 200), 4)
        result["latency"] = latency(
            sessions, keyword_backend, lambda: SemanticSearch(embedder, index), texts
        )
    keyword_backend.close()
    index.close()
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--size", type=int, action="append", help="papers in all (default 100000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--allow-partial", action="store_true", help="see the module docstring")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each build in KEEP/<backend>-<size> and reuse it on the next run (then "
        "only the queries are timed); default: build in a temp dir, deleted afterwards",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="with --keep: build, do not time queries"
    )
    args = parser.parse_args()
    if args.build_only and not args.keep:
        parser.error("--build-only needs --keep")
    print(f"# machine: {machine()}; torch threads {os.cpu_count()}", flush=True)
    records = real_records()
    synth = Synthesizer(records)
    real: list[np.ndarray] = []

    def vectors_of(synth: Synthesizer) -> np.ndarray:
        """The real vectors, read (or waited for) once, on the first build that needs them."""
        if not real:
            real.append(real_vectors(len(records), args.allow_partial))
            synth.use_vectors(real[0])
        return real[0]

    for size in args.size or [100_000]:
        for backend in args.backend or ["sqlite", "postgresql"]:
            if args.keep:
                workdir = args.keep / f"{backend}-{size}"
                workdir.mkdir(parents=True, exist_ok=True)
            else:
                workdir = Path(tempfile.mkdtemp(prefix="scale-"))
            try:
                result = run(
                    backend, size, records, vectors_of, synth, workdir, args.queries,
                    keep=bool(args.keep), measure=not args.build_only,
                )  # fmt: skip
                print(json.dumps(result), flush=True)
            finally:
                if not args.keep:
                    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
