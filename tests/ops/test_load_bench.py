"""bench/load.py's machinery on a tiny SQLite database, so the load test cannot rot: a real
``paperfeed serve``, real wrk through bench/wrk/requests.lua, one second per scenario.

The write limit is set to 3 per hour, so the upvote scenario must show its 429 answers
counted apart from errors, and exactly 3 accepted votes per member."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 3

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def tiny_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    records = [
        PaperRecord.build(
            arxiv_id=f"2611.{n:05d}",
            title=f"Sparse attention for long documents, part {n}",
            abstract=f"We study sparse attention on long documents ({n}).",
            authors=("Ada Lovelace",),
            categories=("cs.CL",),
            published_at=now,
        )
        for n in range(1, 41)
    ]
    with session_scope(make_sessionmaker(engine)) as session:
        upsert_records(session, records, source="test", now=now)
    engine.dispose()
    return url


def test_load_bench_runs_every_scenario_and_counts_429_apart(tmp_path):
    url = tiny_database(tmp_path / "tiny.db")
    out = tmp_path / "results.json"
    command = [
        sys.executable, "-m", "bench.load",
        "--database-url", url, "--index-dir", str(tmp_path / "index"),
        "--workdir", str(tmp_path / "work"), "--json", str(out),
        "--duration", "1", "--warmup", "0", "--runs", "1", "--connections", "8",
        "--users", str(MEMBERS), "--rate-limit-writes", "3/hour", "--no-semantic",
        "--no-cpu-lock",  # tests run under the benchmark lock already (flock)
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=180, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(out.read_text())
    assert result["backend"] == "sqlite" and result["workers"] == 1
    rows = {row["scenario"]: row for row in result["scenarios"]}
    assert set(rows) == {"feed", "paper", "search", "upvote"}
    for name in ("feed", "paper", "search"):
        row = rows[name]
        assert row["errors"] == 0 and row["429"] == 0, row
        assert row["runs"][0]["2xx"] == row["requests"] > 0, row
        assert row["rps"] > 0 and 0 < row["p50_ms"] <= row["p99_ms"], row

    votes = rows["upvote"]
    run = votes["runs"][0]
    assert votes["errors"] == 0, votes  # 429 is not an error...
    assert votes["429"] == run["non_2xx_3xx"] > 0, votes  # ...though wrk counts it as one
    assert run["2xx"] == 3 * MEMBERS, run  # the limit, per member
    assert run["2xx"] + run["429"] == votes["requests"]
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM paper_votes")).scalar()
    engine.dispose()
    assert 0 < stored <= 3 * MEMBERS  # a random pair may repeat (an upvote is idempotent)

    table = done.stdout.split("| scenario |", 1)[1]
    assert "| upvote | sqlite | 1 |" in table
