"""CPU of one uncached paper page or search, in process (issue 16, items 3 and 4).

The app runs in this process (TestClient: the ASGI app through its middleware, as served),
the response cache off, on a loaded database (bench/load.py --keep builds the 74,728 real
papers with their vectors). Each request's CPU is ``time.process_time`` around it: every
thread of this process (the app's, the semantic leg's), so other work on the shared machine
counts for little. Scenarios:

- ``paper``: ``/papers/<id>`` of distinct papers, each fetched ``--views`` times in a row
  (the first view computes its similar list, later ones reuse it);
- ``search``: ``/search?q=...&mode=hybrid`` with a new title query each time (bench/load.py's).

``--profile N`` prints the N costliest functions (cProfile, cumulative) of the timed part.

Run:  .venv/bin/python -m bench.page_cpu --database-url sqlite:////root/load-keep/sqlite/load.db
      --index-dir /root/load-keep/sqlite/index [--scenario paper|search] [--requests 200]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote_plus

from fastapi.testclient import TestClient
from sqlalchemy import text

import paperfeed
from bench.common import cpu_quiet, machine, median
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine


def paths(url: str, scenario: str, n: int, views: int, seed: int = 3) -> list[str]:
    from bench.search_scale import queries

    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT arxiv_id, title FROM papers ORDER BY id")).all()
    engine.dispose()
    rng = random.Random(seed)
    picked = rng.sample(rows, n)
    if scenario == "paper":
        return [f"/papers/{r.arxiv_id}" for r in picked for _ in range(views)]
    titles = queries([SimpleNamespace(title=r.title) for r in picked], n)
    return [f"/search?q={quote_plus(q)}&mode=hybrid" for q in titles]


def timed(client: TestClient, lines: list[str], profile: cProfile.Profile | None) -> list[float]:
    cpu = []
    for path in lines:
        if profile:
            profile.enable()
        started = time.process_time()
        r = client.get(path)
        cpu.append(time.process_time() - started)
        if profile:
            profile.disable()
        assert r.status_code == 200, (path, r.status_code)
    return cpu


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--scenario", choices=["paper", "search"], default="paper")
    parser.add_argument("--requests", type=int, default=200, help="distinct papers / queries")
    parser.add_argument("--views", type=int, default=3, help="paper: views of each paper")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--no-cpu-lock", action="store_true", help="do not take the bench lock")
    args = parser.parse_args()
    from paperfeed.app import create_app

    settings = Settings(
        database_url=args.database_url,
        index_dir=args.index_dir,
        response_cache_seconds=0,
        embed_after_ingest=False,
        _env_file=None,
    )
    lines = paths(args.database_url, args.scenario, args.requests + args.warmup, args.views)
    warm = args.warmup * (args.views if args.scenario == "paper" else 1)
    print(f"code: {Path(paperfeed.__file__).parent}\nmachine: {machine()}")
    with TestClient(create_app(settings)) as client:
        timed(client, lines[:warm], None)  # templates compiled, model and indexes loaded
        profile = cProfile.Profile() if args.profile else None
        with nullcontext() if args.no_cpu_lock else cpu_quiet():
            cpu = timed(client, lines[warm:], profile)
    ms = [c * 1000 for c in cpu]
    print(
        f"{args.scenario}: {len(ms)} requests, CPU per request median {median(ms):.2f} ms, "
        f"p90 {percentile(ms, 0.9):.2f} ms, mean {sum(ms) / len(ms):.2f} ms"
    )
    if args.scenario == "paper" and args.views > 1:
        first = ms[:: args.views]
        later = [m for i, m in enumerate(ms) if i % args.views]
        print(f"  first view median {median(first):.2f} ms; later views {median(later):.2f} ms")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
