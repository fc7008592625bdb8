"""CPU of one uncached paper page or search, in process (issue 16, items 3 and 4).

The app runs in this process (the ASGI app through its middleware, as served, called
directly on the event loop of a TestClient, which ran its start-up),
the response cache off, on a loaded database (bench/load.py --keep builds the 74,728 real
papers with their vectors). Each request's CPU is ``time.process_time`` around it: every
thread of this process (the app's, the semantic leg's), so other work on the shared machine
counts for little. Scenarios:

- ``paper``: ``/papers/<id>`` of distinct papers, each fetched ``--views`` times in a row
  (the first view computes its similar list, later ones reuse it);
- ``search``: ``/search?q=...&mode=hybrid`` with a new title query each time (bench/load.py's).

``--comments N`` first gives each paper to be visited N comments (the second a reply to the
first) by a bench member, once: papers that have comments already are left as they are.

``--signed-in`` sends every request as a member (a session made as a log-in does): their
pages go through the member-page overlay (web/member_pages.py); a paper's first view is
their own render, the second makes the shared one, later views splice into it (the
response cache, which serves only anonymous readers, keeps its default lifetime: the shared
renders live that long).

``--profile N`` prints the N costliest functions (cProfile, cumulative) of the timed part.

Run:  .venv/bin/python -m bench.page_cpu --database-url sqlite:////root/load-keep/sqlite/load.db
      --index-dir /root/load-keep/sqlite/index [--scenario paper|search] [--requests 200]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import threading
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote_plus

from fastapi.testclient import TestClient
from sqlalchemy import select, text

import paperfeed
from bench.common import cpu_quiet, machine, median
from bench.member_overlay import call
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

BACKGROUND = ("paperfeed-warm", "paperfeed-similar")  # start-up work in threads of the app


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


def bench_member(s):
    """The bench's member (made the first time): the comments' author, the signed-in reader."""
    from paperfeed.accounts import users
    from paperfeed.store.models import User

    user = s.scalar(select(User).where(User.username == "benchcommenter"))
    if user is not None:
        return users.Account.of(user)
    now = datetime.now(UTC)
    made = users.sign_up(
        s, username="benchcommenter", email="comments@example.org",
        password="bench password x", now=now, confirm_ttl=timedelta(hours=1),
    )  # fmt: skip
    return users.confirm_email(s, made.token, now=now)


def add_comments(url: str, lines: list[str], count: int) -> None:
    """``count`` comments on each paper page in ``lines`` that has none yet."""
    from paperfeed.service.comments import add_comment
    from paperfeed.store.models import Comment, Paper

    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    with session_scope(make_sessionmaker(engine)) as s:
        account = bench_member(s)
        done = set(s.scalars(select(Paper.arxiv_id).join(Comment, Comment.paper_id == Paper.id)))
        for arxiv_id in dict.fromkeys(line.rsplit("/", 1)[1] for line in lines):
            if arxiv_id in done:
                continue
            first = None
            for k in range(count):
                body = f"Comment {k} on *this* paper: see [the code](https://example.org/{k})."
                parent = first if k == 1 else None
                view = add_comment(s, arxiv_id, account, body, now=now, parent_id=parent)
                first = first or view.id
    engine.dispose()


def member_cookie(settings: Settings) -> str:
    """A new session of the bench's member, as a log-in makes it: the Cookie header."""
    from paperfeed.accounts.sessions import start_session
    from paperfeed.http.auth import cookie_name, lifetimes

    engine = make_engine(settings.database_url, pool_size=1)
    with session_scope(make_sessionmaker(engine)) as s:
        user_id = bench_member(s).id
        raw = start_session(s, user_id, now=datetime.now(UTC), lifetimes=lifetimes(settings))
    engine.dispose()
    return f"{cookie_name(settings)}={raw}"


def timed(
    client: TestClient, lines: list[str], profile: cProfile.Profile | None, cookie: str | None
) -> list[float]:
    """CPU seconds of each request, the app called directly on the client's event loop (no
    HTTP client in between: its work is not the server's)."""
    cpu = []
    for path in lines:
        if profile:
            profile.enable()
        started = time.process_time()
        status = client.portal.call(call, client.app, path, cookie)
        cpu.append(time.process_time() - started)
        if profile:
            profile.disable()
        assert status == 200, (path, status)
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
    parser.add_argument("--comments", type=int, default=0, help="paper: comments per paper")
    parser.add_argument("--seed", type=int, default=3, help="which papers / queries")
    parser.add_argument("--signed-in", action="store_true", help="as a member (a session)")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--no-cpu-lock", action="store_true", help="do not take the bench lock")
    args = parser.parse_args()
    from paperfeed.app import create_app

    settings = Settings(
        database_url=args.database_url,
        index_dir=args.index_dir,
        # Off for readers; a member's pages are never in it, and its lifetime is also that
        # of the member-page overlay's shared renders: kept as configured by default.
        **({} if args.signed_in else {"response_cache_seconds": 0}),
        embed_after_ingest=False,
        _env_file=None,
    )
    lines = paths(
        args.database_url, args.scenario, args.requests + args.warmup, args.views, args.seed
    )
    if args.scenario == "paper" and args.comments:
        add_comments(args.database_url, lines, args.comments)
    cookie = member_cookie(settings) if args.signed_in else None
    warm = args.warmup * (args.views if args.scenario == "paper" else 1)
    print(f"code: {Path(paperfeed.__file__).parent}\nmachine: {machine()}")
    with TestClient(create_app(settings)) as client:
        timed(client, lines[:warm], None, cookie)  # templates compiled, indexes loaded
        while busy := [t for t in threading.enumerate() if t.name in BACKGROUND]:
            busy[0].join()  # model loaded, similar lists made ahead: not a request's CPU
        profile = cProfile.Profile() if args.profile else None
        with nullcontext() if args.no_cpu_lock else cpu_quiet():
            cpu = timed(client, lines[warm:], profile, cookie)
    ms = [c * 1000 for c in cpu]
    print(
        f"{args.scenario}: {len(ms)} requests, CPU per request median {median(ms):.2f} ms, "
        f"p90 {percentile(ms, 0.9):.2f} ms, mean {sum(ms) / len(ms):.2f} ms"
    )
    if args.scenario == "paper" and args.views > 1:
        first = ms[:: args.views]
        later = [m for i, m in enumerate(ms) if i % args.views]
        print(f"  first view median {median(first):.2f} ms; later views {median(later):.2f} ms")
        each = [f"{median(ms[k :: args.views]):.2f}" for k in range(args.views)]
        print(f"  view 1..{args.views} medians: {' / '.join(each)} ms")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
