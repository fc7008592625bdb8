"""Email digest benchmark: render and send 10,000 daily digests through the outbox to a local
SMTP server (aiosmtpd's Sink handler in its own process, on loopback).

Each digest is the real thing: planned in the outbox, rendered from the Jinja templates
(HTML + text, 10 papers of the day from the arXiv cs data), sent over one reused SMTP
connection, and marked sent in its own commit. Reports digests/s of the whole run (plan,
selection, render, send, marks) and the peak memory of the sending process.

Run: .venv/bin/python bench/digest.py [--subscribers 10000] [--runs 3] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import delete, insert

from bench.common import arxiv_cs_records, cpu_quiet, machine, median, postgres_server
from paperfeed.accounts.secrets import new_token
from paperfeed.digest.periods import period_from_key
from paperfeed.digest.runner import send_digests
from paperfeed.ingest.upsert import upsert_records
from paperfeed.runtime import Runtime
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.digest_models import DigestOutbox, JobLock, Subscription

NOW = datetime(2026, 11, 25, tzinfo=UTC)
PAPERS = 3_000  # the first listing days of the arXiv cs data; the day below has ~100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ],
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def load(url: str, subscribers: int) -> date:
    """Papers and confirmed subscriptions; returns the feed day with the most papers."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    records = list(islice(arxiv_cs_records(), PAPERS))
    with session_scope(sessions) as session:
        upsert_records(session, records, source="bench", now=NOW, bulk=True)
    days: dict[date, int] = {}
    for r in records:
        days[r.feed_day] = days.get(r.feed_day, 0) + 1
    rows = [
        {
            "email": f"reader{n}@example.org",
            "email_key": f"reader{n}@example.org",
            "period": "daily",
            "topic_query": "",
            "topic_categories": [],
            "topic_key": "",
            "status": "confirmed",
            "token_key": new_token(),
            "created_at": NOW,
            "confirmed_at": NOW,
            "failure_count": 0,
        }
        for n in range(subscribers)
    ]
    with session_scope(sessions) as session:
        for start in range(0, len(rows), 2000):
            session.execute(insert(Subscription), rows[start : start + 2000])
    engine.dispose()
    return max(days, key=days.get)


def reset(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        session.execute(delete(DigestOutbox))
        session.execute(delete(JobLock))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperfeed-digest-bench-") as tmp:
        work = Path(tmp)
        if args.backend == "postgresql":
            pg = postgres_server(work / "pg")
            base = pg.__enter__()
            admin = make_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql("CREATE DATABASE digest_bench")
            admin.dispose()
            url = base.replace("/postgres", "/digest_bench")
        else:
            pg, url = None, f"sqlite:///{work / 'bench.db'}"
        day = load(url, args.subscribers)
        port = free_port()
        smtp = start_smtp(port)
        settings = Settings(
            _env_file=None,
            database_url=url,
            index_dir=work / "index",
            semantic_search=False,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            base_url="https://papers.example.org",
            mail_from="Papers <digest@papers.example.org>",
        )
        period = period_from_key("daily", day.isoformat())
        rates = []
        try:
            for run in range(1, args.runs + 1):
                reset(url)
                # a runtime per run: each run opens its search, as a `digest send` does
                with Runtime.open(settings) as runtime, cpu_quiet():
                    started = time.perf_counter()
                    report = send_digests(runtime, cadence="daily", period=period)
                    elapsed = time.perf_counter() - started
                assert report.ok and report.sent == args.subscribers, report.summary()
                rates.append(report.sent / elapsed)
                print(
                    f"run {run}: {report.sent} digests in {elapsed:.1f} s = "
                    f"{rates[-1]:.0f} digests/s",
                    flush=True,
                )
        finally:
            smtp.terminate()
            smtp.wait(10)
            if pg is not None:
                pg.__exit__(None, None, None)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"backend {args.backend}, {args.subscribers} subscribers, day {day}, "
        f"{settings.digest_papers} papers per digest"
    )
    print(
        f"median of {args.runs}: {median(rates):.0f} digests/s "
        f"(min {min(rates):.0f}, max {max(rates):.0f}); peak RSS of this process {peak_mb:.0f} MB"
    )
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
