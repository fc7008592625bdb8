"""Ingest benchmark: the 74,728 arXiv cs papers into a fresh database, on both backends.

Measures records/s for parse + upsert through the ingest pipeline (pages committed one by one),
then the derived keyword index sync on SQLite, and the database size.
Run: .venv/bin/python bench/ingest.py [--runs 3] [--limit N] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.common import arxiv_cs_records, machine, median, postgres_server
from paperfeed.ingest.pipeline import run_ingest
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def ingest_once(url: str, limit: int | None, index_dir: Path) -> dict:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    start = time.perf_counter()
    # The product's path: the pipeline batches, records the run and commits page by page.
    report = run_ingest(sessions, arxiv_cs_records(limit), source="bench", now=NOW)
    added, failed = report.added, len(report.failed)
    upsert_s = time.perf_counter() - start
    sync_s = None
    try:
        from paperfeed.search.sync import sync_search_index
    except ImportError:
        sync_search_index = None
    if sync_search_index is not None:
        start = time.perf_counter()
        sync_search_index(Settings(database_url=url, index_dir=index_dir, _env_file=None), engine)
        sync_s = time.perf_counter() - start
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
        else:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return {
        "added": added,
        "failed": failed,
        "upsert_s": upsert_s,
        "sync_s": sync_s,
        "db_bytes": size,
    }


def run_backend(backend: str, runs: int, limit: int | None) -> dict:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if backend == "postgresql":
            with postgres_server(tmp / "pg") as base:
                admin = make_engine(base, isolation_level="AUTOCOMMIT")
                for i in range(runs):
                    with admin.connect() as conn:
                        conn.execute(text(f"CREATE DATABASE bench_{i}"))
                    url = base.replace("/postgres?", f"/bench_{i}?")
                    results.append(ingest_once(url, limit, tmp / f"index{i}"))
                admin.dispose()
        else:
            for i in range(runs):
                results.append(
                    ingest_once(f"sqlite:///{tmp}/bench{i}.db", limit, tmp / f"index{i}")
                )
    n = results[0]["added"] + results[0]["failed"]
    rates = [n / r["upsert_s"] for r in results]
    summary = {
        "backend": backend,
        "records": n,
        "added": results[0]["added"],
        "failed": results[0]["failed"],
        "runs": runs,
        "records_per_s_median": round(median(rates)),
        "records_per_s_all": [round(r) for r in rates],
        "db_mb": round(results[0]["db_bytes"] / 1e6, 1),
    }
    syncs = [r["sync_s"] for r in results if r["sync_s"] is not None]
    if syncs and backend == "sqlite":
        summary["index_sync_s_median"] = round(median(syncs), 1)
        summary["records_per_s_with_index_median"] = round(
            median([n / (r["upsert_s"] + r["sync_s"]) for r in results])
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    print(f"# machine: {machine()}")
    for backend in args.backend or ["sqlite", "postgresql"]:
        print(json.dumps(run_backend(backend, args.runs, args.limit)), flush=True)


if __name__ == "__main__":
    main()
