"""Vector index benchmark: usearch, faiss and hnswlib HNSW on the same 384-d unit vectors.

Chooses the approximate nearest-neighbour library behind the vector index file on SQLite.
Vectors: the real all-MiniLM-L6-v2 embeddings of the arXiv cs papers found in the cache of
``bench.embed_cache`` (whatever chunks exist), grown to ``--n`` with ``bench.synthetic``; the
queries are real vectors held out of the index. Ground truth is exact (numpy) top-100.

Every build and every load runs in a fresh process, so resident memory is measured cleanly:
RSS after minus RSS before (the vectors to add are already loaded), and the library's own
figure where it reports one. Per configuration and run it measures: build time (2 threads),
memory, file size, load time, and single-threaded query latency p50/p95 at k=20 (at the
smallest ef_search reaching recall@20 >= --target) and at k=100; then checks the features
(removal of single vectors, memory-mapped loading, concurrent search from threads).

Run: .venv/bin/python -m bench.vector_libs [--n 100000] [--runs 3] [--configs a,b]
     .venv/bin/python -m bench.vector_libs --n 1000000 --runs 1 --configs usearch-f16
     .venv/bin/python -m bench.vector_libs --end-to-end   (paperfeed's own index, real store)
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from bench.common import machine
from bench.embed_cache import cache_root
from bench.synthetic import calibrate_sigma, nn_report, nn_similarities, quantiles, unit
from bench.synthetic import synthetic_vectors as grow

DIM = 384
EFS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
CONFIGS = {
    "usearch-f16": {"lib": "usearch", "dtype": "f16"},
    "usearch-f32": {"lib": "usearch", "dtype": "f32"},
    "usearch-i8": {"lib": "usearch", "dtype": "i8"},
    "faiss-flat": {"lib": "faiss", "storage": "flat"},
    "faiss-sq-f16": {"lib": "faiss", "storage": "sq_fp16"},
    "hnswlib": {"lib": "hnswlib"},
}
MAIN = "usearch-f16,faiss-flat,hnswlib"


# -- memory -------------------------------------------------------------------------------


def mem() -> dict[str, int]:
    """Resident memory of this process in bytes: total, anonymous and file-backed (mmap)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def mem_delta(before: dict, after: dict) -> dict[str, int]:
    return {k: after[k] - before[k] for k in ("VmRSS", "RssAnon", "RssFile")}


# -- one adapter per library: build, save, load, search, remove -----------------------------


class USearch:
    def __init__(self, cfg, index=None):
        from usearch.index import Index

        self.cfg = cfg
        self.index = index or Index(
            ndim=DIM,
            metric="ip",
            dtype=cfg["dtype"],
            connectivity=cfg["M"],
            expansion_add=cfg["efc"],
        )

    def build(self, x, threads):
        self.index.add(np.arange(len(x), dtype=np.uint64), x, threads=threads)

    def reported_bytes(self):
        return int(self.index.memory_usage)

    def save(self, path):
        self.index.save(str(path))

    @classmethod
    def load(cls, cfg, path, mmap=False):
        from usearch.index import Index

        return cls(cfg, Index.restore(str(path), view=mmap))

    def set_ef(self, ef):
        self.index.expansion_search = ef

    def search(self, q, k):
        return self.index.search(q, k, threads=1).keys

    def remove(self, keys):
        self.index.remove(keys)
        return True

    def add(self, keys, x):
        self.index.add(keys.astype(np.uint64), x, threads=1)
        return True


class Faiss:
    def __init__(self, cfg, index=None):
        import faiss

        self.cfg = cfg
        if index is None:
            if cfg["storage"] == "flat":
                index = faiss.IndexHNSWFlat(DIM, cfg["M"], faiss.METRIC_INNER_PRODUCT)
            else:
                index = faiss.IndexHNSWSQ(
                    DIM, faiss.ScalarQuantizer.QT_fp16, cfg["M"], faiss.METRIC_INNER_PRODUCT
                )
            index.hnsw.efConstruction = cfg["efc"]
        self.index = index

    def build(self, x, threads):
        import faiss

        faiss.omp_set_num_threads(threads)
        if not self.index.is_trained:
            self.index.train(x[:10_000])
        self.index.add(x)  # ids are positions: 0..n-1
        faiss.omp_set_num_threads(1)

    def reported_bytes(self):
        return None

    def save(self, path):
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, cfg, path, mmap=False):
        import faiss

        faiss.omp_set_num_threads(1)
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(cfg, faiss.read_index(str(path), flags))

    def set_ef(self, ef):
        self.index.hnsw.efSearch = ef

    def search(self, q, k):
        return self.index.search(q[None, :], k)[1][0]

    def remove(self, keys):
        try:
            self.index.remove_ids(keys.astype(np.int64))
        except RuntimeError:
            return False
        return True

    def add(self, keys, x):
        return False


class Hnswlib:
    def __init__(self, cfg, index=None):
        import hnswlib

        self.cfg = cfg
        self.index = index or hnswlib.Index(space="ip", dim=DIM)

    def build(self, x, threads):
        self.index.init_index(
            max_elements=len(x), ef_construction=self.cfg["efc"], M=self.cfg["M"],
            allow_replace_deleted=True,
        )  # fmt: skip
        self.index.add_items(x, np.arange(len(x)), num_threads=threads)

    def reported_bytes(self):
        return None

    def save(self, path):
        self.index.save_index(str(path))

    @classmethod
    def load(cls, cfg, path, mmap=False):
        import hnswlib

        if mmap:
            raise NotImplementedError("hnswlib has no memory-mapped loading")
        index = hnswlib.Index(space="ip", dim=DIM)
        index.load_index(str(path), allow_replace_deleted=True)
        index.set_num_threads(1)
        return cls(cfg, index)

    def set_ef(self, ef):
        self.index.set_ef(ef)

    def search(self, q, k):
        return self.index.knn_query(q, k, num_threads=1)[0][0]

    def remove(self, keys):
        for key in keys:
            self.index.mark_deleted(int(key))  # soft: the slot stays until replaced
        return True

    def add(self, keys, x):
        self.index.add_items(x, keys, num_threads=1, replace_deleted=True)
        return True


ADAPTERS = {"usearch": USearch, "faiss": Faiss, "hnswlib": Hnswlib}


# -- the two child-process phases ------------------------------------------------------------


def build_phase(cfg: dict, data: str, out: str, threads: int) -> dict:
    x = np.load(data)
    before = mem()
    adapter = ADAPTERS[cfg["lib"]](cfg)
    start = time.perf_counter()
    adapter.build(x, threads)
    seconds = time.perf_counter() - start
    after = mem()
    adapter.save(out)
    return {
        "build_s": seconds,
        "rss_build": mem_delta(before, after),
        "reported_bytes": adapter.reported_bytes(),
        "file_bytes": Path(out).stat().st_size,
    }


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return len(set(found[:k].tolist()) & set(truth[:k].tolist())) / k


def timed(adapter, queries, k) -> tuple[list[float], list[np.ndarray]]:
    times, results = [], []
    for q in queries:
        start = time.perf_counter_ns()
        keys = adapter.search(q, k)
        times.append((time.perf_counter_ns() - start) / 1e6)
        results.append(np.asarray(keys))
    return times, results


def pct(values, p) -> float:
    return float(np.percentile(values, p))


def serve_phase(cfg: dict, index: str, queries: str, truth: str, target: float) -> dict:
    q = np.load(queries)
    t = np.load(truth)
    before = mem()
    start = time.perf_counter()
    adapter = ADAPTERS[cfg["lib"]].load(cfg, index)
    load_s = time.perf_counter() - start
    loaded = mem_delta(before, mem())
    sweep = []
    for ef in EFS:
        adapter.set_ef(ef)
        _times, found = timed(adapter, q, 20)
        r = float(np.mean([recall(f, tt, 20) for f, tt in zip(found, t, strict=True)]))
        sweep.append({"ef": ef, "recall20": r})
    ef20 = next((s["ef"] for s in sweep if s["recall20"] >= target), EFS[-1])
    adapter.set_ef(ef20)
    timed(adapter, q[:50], 20)  # warm up
    times20, found20 = timed(adapter, q, 20)
    ef100 = max(ef20, 100)
    adapter.set_ef(ef100)
    times100, found100 = timed(adapter, q, 100)
    sweep100 = []  # the service ranks 100 nearest for semantic and hybrid search
    for ef in (100, 128, 192, 256, 384, 512):
        adapter.set_ef(ef)
        _times, found = timed(adapter, q, 100)
        r = float(np.mean([recall(f, tt, 100) for f, tt in zip(found, t, strict=True)]))
        sweep100.append({"ef": ef, "recall100": r})
    ef100t = next((s["ef"] for s in sweep100 if s["recall100"] >= target), 512)
    adapter.set_ef(ef100t)
    times100t, _found = timed(adapter, q, 100)
    adapter.set_ef(ef20)
    out = {
        "sweep100": sweep100,
        "ef100_for_target": ef100t,
        "p50_k100_at_target_ms": pct(times100t, 50),
        "p95_k100_at_target_ms": pct(times100t, 95),
        "load_s": load_s,
        "rss_load": loaded,
        "sweep": sweep,
        "ef20": ef20,
        "recall20": float(np.mean([recall(f, tt, 20) for f, tt in zip(found20, t, strict=True)])),
        "p50_k20_ms": pct(times20, 50),
        "p95_k20_ms": pct(times20, 95),
        "ef100": ef100,
        "recall100": float(
            np.mean([recall(f, tt, 100) for f, tt in zip(found100, t, strict=True)])
        ),
        "p50_k100_ms": pct(times100, 50),
        "p95_k100_ms": pct(times100, 95),
    }
    out.update(concurrency(adapter, q, found20))
    out.update(removal(adapter, q, t, np.load(Path(index).parent / "base.npy", mmap_mode="r")))
    return out


def concurrency(adapter, q, expected) -> dict:
    """Search the same queries from 4 threads at once: results must equal the serial ones.
    Also the throughput of 2 threads against 1 (above 1 means the GIL is released)."""
    mismatches = []

    def worker():
        bad = 0
        for _ in range(3):
            for query, want in zip(q, expected, strict=True):
                if not np.array_equal(np.asarray(adapter.search(query, 20)), want):
                    bad += 1
        mismatches.append(bad)

    def throughput(n_threads):
        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        start = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return n_threads * 3 * len(q) / (time.perf_counter() - start)

    one = throughput(1)
    two = throughput(2)
    throughput(4)
    return {
        "concurrent_mismatches": sum(mismatches),
        "qps_1_thread": one,
        "qps_2_threads": two,
    }


def removal(adapter, q, t, base) -> dict:
    """Remove each query's true nearest neighbour: it must not come back; then re-add it."""
    victims = np.unique(t[:, 0])
    if not adapter.remove(victims):
        return {"removal": "no"}
    leaked = sum(bool(set(adapter.search(x, 20).tolist()) & set(victims.tolist())) for x in q)
    readded = adapter.add(victims, np.asarray(base[victims]))
    back = sum(int(t[i, 0]) in set(adapter.search(x, 20).tolist()) for i, x in enumerate(q))
    return {
        "removal": "yes",
        "removed_leaked": leaked,
        "readded": bool(readded),
        "readded_found": back / len(q),
    }


def mmap_phase(cfg: dict, index: str, queries: str) -> dict:
    """Open the file memory-mapped (in a fresh process): anonymous memory should stay small;
    pages of the file count as file-backed RSS and can be shared between processes."""
    q = np.load(queries)
    before = mem()
    try:
        adapter = ADAPTERS[cfg["lib"]].load(cfg, index, mmap=True)
    except (NotImplementedError, RuntimeError) as exc:
        return {"mmap": f"no ({str(exc).splitlines()[0][:60]})"}
    opened = mem_delta(before, mem())
    adapter.set_ef(64)
    timed(adapter, q, 20)
    queried = mem_delta(before, mem())
    copied = opened["RssAnon"] > Path(index).stat().st_size / 2
    return {
        "mmap": "no (read into memory)" if copied else "yes",
        "rss_mmap_open": opened,
        "rss_mmap_after_queries": queried,
    }


def in_child(fn, *args):
    pool = mp.get_context("spawn").Pool(1)
    try:
        return pool.apply(fn, args)
    finally:
        pool.close()
        pool.join()


# -- data ----------------------------------------------------------------------------------


def real_vectors() -> np.ndarray:
    """Every finished chunk of the arXiv embeddings cache (the embedding job may be running)."""
    files = sorted(
        f for f in glob.glob(str(cache_root() / "arxiv-cs-*" / "*.npy")) if ".tmp" not in f
    )
    if not files:
        raise SystemExit(f"no cached arXiv embeddings under {cache_root()}: run bench.embed_cache")
    return unit(np.concatenate([np.load(f) for f in files]).astype(np.float32))


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Exact top-``k`` ids by inner product, and the numpy time per query (ms)."""
    sims = np.empty((len(queries), len(base)), dtype=np.float32)
    start = time.perf_counter()
    for s in range(0, len(base), 200_000):
        sims[:, s : s + 200_000] = queries @ base[s : s + 200_000].T
    per_query_ms = (time.perf_counter() - start) * 1000 / len(queries)
    top = np.argpartition(-sims, k, axis=1)[:, :k]
    order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
    single = time.perf_counter()
    for x in queries[:20]:
        np.argpartition(-(base @ x), 20)[:20]
    single_ms = (time.perf_counter() - single) * 1000 / 20
    return np.take_along_axis(top, order, axis=1), single_ms or per_query_ms


def prepare(n: int, n_queries: int, workdir: Path, seed: int) -> dict:
    real = real_vectors()
    rng = np.random.default_rng(seed)
    real = real[rng.permutation(len(real))]
    queries, base_real = real[:n_queries], real[n_queries:]
    info = {"real_vectors": len(real), "queries": n_queries}
    need = n - len(base_real)
    if need > 0:
        start = time.perf_counter()
        sigma = calibrate_sigma(base_real, need / len(base_real), seed)
        synthetic = grow(base_real, need, seed, sigma=sigma)
        base = np.concatenate([base_real, synthetic])
        info.update(sigma=sigma, synthetic_s=time.perf_counter() - start)
    else:
        base = base_real[:n]
    base = base[rng.permutation(len(base))]  # real and synthetic interleaved in insert order
    info["nn1_real"] = quantiles(nn_similarities(base_real, seed))
    info["nn1_indexed_set"] = quantiles(nn_similarities(base, seed))
    info["nn1_queries_to_set"] = quantiles(np.sort(queries @ base[:200_000].T, axis=1)[:, -1])
    truth, exact_ms = exact_top(base, queries, 100)
    info["exact_numpy_ms"] = exact_ms
    np.save(workdir / "base.npy", base)
    np.save(workdir / "queries.npy", queries)
    np.save(workdir / "truth.npy", truth)
    return info


# -- the implementation on a real store ---------------------------------------------------------


def end_to_end(workdir: Path, queries: int, seed: int) -> dict:
    """``UsearchVectorIndex`` over the arXiv papers whose embeddings are cached: rebuild and
    save, reopen, then search latency through SQLite as the service calls it (k=100)."""
    from itertools import islice

    from bench.common import arxiv_cs_records
    from paperfeed.embed.store import EmbeddingRow, write_embeddings
    from paperfeed.ingest.records import PaperRecord
    from paperfeed.ingest.upsert import upsert_records
    from paperfeed.search.base import SearchFilters
    from paperfeed.search.usearch_index import UsearchVectorIndex
    from paperfeed.search.vector_filters import filter_clauses, filtered_ids
    from paperfeed.store import migrate
    from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
    from paperfeed.store.models import Paper

    real = real_vectors()  # in the order of the records (bench.embed_cache.arxiv_texts)
    records, kept, seen = [], [], set()
    for i, r in enumerate(
        islice((r for r in arxiv_cs_records() if isinstance(r, PaperRecord)), len(real))
    ):
        if r.arxiv_id not in seen:
            seen.add(r.arxiv_id)
            records.append(r)
            kept.append(i)
    real = real[kept]
    engine = make_engine(f"sqlite:///{workdir / 'e2e.db'}")
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    it = iter(records)
    while batch := list(islice(it, 2_000)):
        with session_scope(sessions) as s:
            upsert_records(s, batch, source="bench", now=now, bulk=True)
    with session_scope(sessions) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
        for start in range(0, len(records), 2_000):
            chunk = records[start : start + 2_000]
            rows = [EmbeddingRow(ids[r.arxiv_id], "h", 0) for r in chunk]
            write_embeddings(s, "bench", rows, real[start : start + len(chunk)])
    out: dict = {"papers": len(records)}
    start = time.perf_counter()
    index = UsearchVectorIndex(workdir / "vector", sessions, "bench")
    index.sync()
    out["rebuild_and_save_s"] = time.perf_counter() - start
    index.close()
    start = time.perf_counter()
    index = UsearchVectorIndex(workdir / "vector", sessions, "bench")
    out["open_s"] = time.perf_counter() - start
    q = unit(real[np.random.default_rng(seed).choice(len(real), queries, replace=False)])
    mid = sorted(r.published_at.date() for r in records)[len(records) // 2]
    cases = {
        "no filter": SearchFilters(),
        "category cs.CL": SearchFilters(category="cs.CL"),
        "category cs.LG": SearchFilters(category="cs.LG"),
        "category cs.DB": SearchFilters(category="cs.DB"),
        "one day": SearchFilters(date_from=mid, date_to=mid),
        "one week": SearchFilters(date_from=mid, date_to=mid + timedelta(days=6)),
        "from the middle day on": SearchFilters(date_from=mid),
        "author wang": SearchFilters(author="wang"),
    }
    with sessions() as session:
        for name, filters in cases.items():
            clauses = filter_clauses(filters)
            passing = len(filtered_ids(session, "bench", clauses, None)) if clauses else None
            times = []
            for x in q:
                begin = time.perf_counter()
                index.search(session, x, filters, 100)
                times.append((time.perf_counter() - begin) * 1000)
            out[name] = {"papers": passing, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}
    index.close()
    engine.dispose()
    return out


# -- report --------------------------------------------------------------------------------


def summarise(runs: list[dict]) -> dict:
    """Median of every numeric figure over the runs; other values from the first run."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = statistics.median(r[key] for r in runs)
        elif isinstance(value, dict) and all(isinstance(v, int) for v in value.values()):
            out[key] = {k: statistics.median(r[key][k] for r in runs) for k in value}
    out["runs"] = len(runs)
    return out


def _at(sweep: list[dict], ef: int) -> float:
    return next(s["recall100"] for s in sweep if s["ef"] == ef)


def mb(value) -> str:
    return "-" if value is None else f"{value / 1e6:,.0f}"


def table(results: dict[str, dict]) -> str:
    head = (
        "| config | build s | RSS Δ build MB | reported MB | file MB | RSS Δ load MB | ef@20 "
        "| recall@20 | k=20 p50/p95 ms | ef@100 | recall@100 | k=100 p50/p95 ms | removal "
        "| mmap | threads ok | qps 1→2 thr |\n" + "|---" * 16 + "|\n"
    )
    rows = []
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['build_s']:.1f} | {mb(r['rss_build']['VmRSS'])} "
            f"| {mb(r['reported_bytes'])} | {mb(r['file_bytes'])} | {mb(r['rss_load']['VmRSS'])} "
            f"| {r['ef20']} | {r['recall20']:.3f} | {r['p50_k20_ms']:.2f} / {r['p95_k20_ms']:.2f} "
            f"| {r['ef100_for_target']} | {_at(r['sweep100'], r['ef100_for_target']):.3f} "
            f"| {r['p50_k100_at_target_ms']:.2f} / {r['p95_k100_at_target_ms']:.2f} "
            f"| {r['removal']} | {r['mmap'].split(' ')[0]} "
            f"| {'yes' if r['concurrent_mismatches'] == 0 else 'NO'} "
            f"| {r['qps_1_thread']:,.0f} → {r['qps_2_threads']:,.0f} |"
        )
    return head + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="vectors in the index")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--configs", default=MAIN, help=f"comma list of {', '.join(CONFIGS)}")
    parser.add_argument("--M", type=int, default=16, help="HNSW links per node (connectivity)")
    parser.add_argument("--efc", type=int, default=128, help="ef_construction (expansion_add)")
    parser.add_argument("--threads", type=int, default=2, help="build threads")
    parser.add_argument("--target", type=float, default=0.95, help="recall@20 to tune ef for")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check-synthetic", action="store_true", help="validate the generator")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--end-to-end", action="store_true",
        help="measure paperfeed's UsearchVectorIndex on the cached papers instead",
    )  # fmt: skip
    args = parser.parse_args()
    if args.end_to_end:
        with tempfile.TemporaryDirectory(prefix="vector-e2e-") as tmp:
            print(machine(), json.dumps(end_to_end(Path(tmp), args.queries, args.seed)))
        return

    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="vector-bench-") as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        info = prepare(args.n, args.queries, workdir, args.seed)
        print(f"data ready in {time.perf_counter() - start:.0f} s: {json.dumps(info)}", flush=True)
        if args.check_synthetic:
            info["synthetic_check"] = nn_report(real_vectors(), args.seed)
            print("synthetic check:", json.dumps(info["synthetic_check"]), flush=True)
        # Runs interleave the configurations, so a change in background load hits them alike.
        names = args.configs.split(",")
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for run in range(args.runs):
            for name in names:
                cfg = {**CONFIGS[name], "M": args.M, "efc": args.efc}
                index = workdir / f"{name}.index"
                load = os.getloadavg()[0]
                built = in_child(
                    build_phase, cfg, str(workdir / "base.npy"), str(index), args.threads
                )
                served = in_child(
                    serve_phase, cfg, str(index), str(workdir / "queries.npy"),
                    str(workdir / "truth.npy"), args.target,
                )  # fmt: skip
                mapped = in_child(mmap_phase, cfg, str(index), str(workdir / "queries.npy"))
                runs[name].append({**built, **served, **mapped, "loadavg": load})
                print(f"{name} run {run + 1}: {json.dumps(runs[name][-1])}", flush=True)
                index.unlink()
        results = {name: summarise(r) for name, r in runs.items()}
    print()
    print(f"n={args.n:,} dim={DIM} M={args.M} ef_construction={args.efc}, medians of {args.runs}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)},
                                         "machine": machine(), "data": info,
                                         "results": results, "runs": runs}, indent=1, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
