"""Feed benchmark: the 74,728 arXiv cs papers loaded, 32 concurrent connections with wrk.

Endpoints: the front page, a day's feed page, the daily papers API and a search page.
The server runs as its own process (uvicorn) and wrk as another, both on loopback; the
database is built once and cached under .bench-cache/ (delete it to rebuild).
Run: .venv/bin/python bench/feed.py [--runs 3] [--duration 10] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import httpx

from bench.common import ROOT, arxiv_cs_records, machine, median, postgres_server
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service.rendered_texts import render_missing
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

CACHE = ROOT / ".bench-cache"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
DAY = "2026-06-30"
PATHS = {
    "front page /": "/",
    f"feed /papers?date={DAY}": f"/papers?date={DAY}",
    f"api /api/daily_papers?date={DAY}": f"/api/daily_papers?date={DAY}",
    "search /search?q=diffusion+models": "/search?q=diffusion+models",
}
# Search with 200 different queries in turn (a wrk Lua script), so a cache cannot answer them all.
VARIED_SEARCH = "search /search?q=<200 varied queries>"
QUERY_WORDS = (
    "diffusion transformer reasoning agents retrieval benchmark segmentation video language "
    "multimodal alignment reinforcement learning robot navigation graph neural quantization "
    "speech translation medical image detection tracking 3D reconstruction gaussian splatting "
    "llm evaluation hallucination safety privacy federated compression distillation"
).split()
CONFIGS = {"cache on": {}, "cache off": {"PAPERFEED_RESPONSE_CACHE_SECONDS": "0"}}


def load(url: str, index_dir: Path) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    records = arxiv_cs_records()
    while batch := list(islice(records, 1000)):
        with session_scope(sessions) as session:
            upsert_records(session, batch, source="bench", now=NOW, bulk=True)
    render_missing(sessions)  # as after an ingest: the pages' HTML of each paper
    try:
        from paperfeed.search.sync import sync_search_index
    except ImportError:
        pass
    else:
        sync_search_index(Settings(database_url=url, index_dir=index_dir, _env_file=None), engine)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "paperfeed.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/", timeout=5).status_code < 500:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def varied_queries_script(path: Path) -> Path:
    import random

    rng = random.Random(7)
    queries = ["+".join(rng.sample(QUERY_WORDS, rng.randint(1, 3))) for _ in range(200)]
    lua = "local q = {" + ",".join(f'"{q}"' for q in queries) + "}\n"
    lua += "local i = 0\nrequest = function()\n  i = i % #q + 1\n"
    lua += '  return wrk.format("GET", "/search?q=" .. q[i])\nend\n'
    path.write_text(lua)
    return path


def wrk(url: str, duration: int, connections: int, script: Path | None = None) -> dict:
    extra = ["-s", str(script)] if script else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out)
        lat[pct] = float(m.group(1)) * _UNITS[m.group(2)]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return {"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"], "errors": errors}


def bench(base: str, runs: int, duration: int, connections: int, script: Path) -> list[dict]:
    rows = []
    for name, path in [*PATHS.items(), (VARIED_SEARCH, "/search?q=x")]:
        status = httpx.get(base + path, timeout=30).status_code
        if status != 200:
            rows.append({"endpoint": name, "status": status, "skipped": True})
            continue
        lua = script if name == VARIED_SEARCH else None
        wrk(base + path, 2, connections, lua)  # warm-up
        samples = [wrk(base + path, duration, connections, lua) for _ in range(runs)]
        rows.append(
            {
                "endpoint": name,
                "rps_median": round(median([s["rps"] for s in samples])),
                "p50_ms_median": round(median([s["p50_ms"] for s in samples]), 1),
                "p99_ms_median": round(median([s["p99_ms"] for s in samples]), 1),
                "errors": sum(s["errors"] for s in samples),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    print(
        f"# machine: {machine()}; wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"{args.workers} uvicorn worker(s), median of {args.runs} runs",
        flush=True,
    )
    CACHE.mkdir(exist_ok=True)
    script = varied_queries_script(CACHE / "varied_search.lua")

    def measure(backend: str, env: dict) -> None:
        for config, extra in CONFIGS.items():
            proc, base = start_server({**env, **extra}, args.workers)
            try:
                rows = bench(base, args.runs, args.duration, args.connections, script)
            finally:
                proc.terminate()
                proc.wait()
            for row in rows:
                print(json.dumps({"backend": backend, "config": config, **row}), flush=True)

    for backend in args.backend or ["sqlite"]:
        if backend == "sqlite":
            db = CACHE / "feed.db"
            index = CACHE / "feed.db.index"
            if not db.exists():
                load(f"sqlite:///{db}", index)
            measure(
                backend,
                {"PAPERFEED_DATABASE_URL": f"sqlite:///{db}", "PAPERFEED_INDEX_DIR": str(index)},
            )
        else:
            with tempfile.TemporaryDirectory() as tmp, postgres_server(Path(tmp)) as uri:
                load(uri, Path(tmp) / "index")
                measure(backend, {"PAPERFEED_DATABASE_URL": uri})


if __name__ == "__main__":
    main()
