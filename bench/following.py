"""The Following feed's cost (docs/follows.md): a member with 50 follows on the 74,728 real
arXiv cs papers of ../shared/data, through the product's service functions.

The member follows the 20 most prolific authors of the last 30 days, the 20 commonest
categories and 10 searches by words (frequent title bigrams of the last 30 days): 50
follows, each bringing papers. Timed, uncached (no response cache; the database's own page
cache is warm after the first call), under the machine-wide benchmark lock:

- ``following_feed`` for windows of 1, 7 and 30 days, first page of 20;
- a follow and an unfollow (``library.follows``), each in its own committed transaction.

Search by meaning is off (nothing is embedded): topics are searched by words, the keyword
leg. Run: .venv/bin/python -m bench.following --backend sqlite --backend postgresql
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bench.common import arxiv_cs_records, cpu_quiet, machine, postgres_server
from paperfeed.accounts import users
from paperfeed.ingest.pipeline import run_ingest
from paperfeed.ingest.records import PaperRecord
from paperfeed.library import follows
from paperfeed.recommend.following import following_feed
from paperfeed.search import open_backend, sync_search_index
from paperfeed.search.query import words_of
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

RUNS = 30
STOP = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "via", "from", "by"}


def percentiles(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def chosen_follows(records: list[PaperRecord], now) -> list[tuple[str, str]]:
    recent = [r for r in records if r.published_at and r.published_at > now - timedelta(days=30)]
    authors = Counter(a for r in recent for a in r.authors)
    categories = Counter(c for r in records for c in r.categories)
    bigrams: Counter = Counter()
    for r in recent:
        words = [w for w in words_of(r.title) if w not in STOP and len(w) > 2]
        bigrams.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return (
        [("author", a) for a, _n in authors.most_common(20)]
        + [("category", c) for c, _n in categories.most_common(20)]
        + [("topic", t) for t, _n in bigrams.most_common(10)]
    )


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(url: str, workdir: Path, records: list[PaperRecord]) -> dict:
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    now = max(r.published_at for r in records if r.published_at) + timedelta(hours=1)
    started = time.perf_counter()
    report = run_ingest(sessions, iter(records), source="bench", now=now)
    result: dict = {"papers": report.added, "ingest_s": round(time.perf_counter() - started)}
    settings = Settings(database_url=url, index_dir=workdir / "index", _env_file=None)
    sync_search_index(settings, engine)
    backend = open_backend(settings, engine)
    with session_scope(sessions) as s:
        member = users.create_admin(
            s, username="reader", email="reader@example.org", password="x" * 12, now=now
        )
        for kind, value in chosen_follows(records, now):
            follows.follow(s, member.id, follows.thing_of(s, kind, value, "keyword"), now=now)
        result["follows"] = len(follows.list_follows(s, member.id))

    def feed(days: int):
        with session_scope(sessions, write=False) as s:
            return following_feed(s, backend, None, user_id=member.id, now=now, days=days)

    def follow_once(n: int):
        with session_scope(sessions) as s:
            made = follows.follow_category(s, member.id, f"bench.X{n}", now=now)
        with session_scope(sessions) as s:
            follows.unfollow(s, member.id, made.id)

    with cpu_quiet():
        for days in (1, 7, 30):
            page = feed(days)  # warm
            times = [timed(lambda d=days: feed(d)) for _ in range(RUNS)]
            result[f"feed_{days}d"] = {"brought": page.total, **percentiles(times)}
        writes = []
        for n in range(RUNS):
            started = time.perf_counter()
            follow_once(n)
            writes.append((time.perf_counter() - started) * 1000 / 2)
        result["follow_or_unfollow"] = percentiles(writes)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    print(f"# machine: {machine()}", flush=True)
    records = [r for r in arxiv_cs_records() if isinstance(r, PaperRecord)]
    for backend in args.backend or ["sqlite"]:
        workdir = Path(tempfile.mkdtemp(prefix="following-"))
        try:
            if backend == "postgresql":
                with postgres_server(workdir / "pg") as base:
                    result = measure(base, workdir, records)
            else:
                result = measure(f"sqlite:///{workdir}/bench.db", workdir, records)
            print(json.dumps({"backend": backend, **result}), flush=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
