"""Member pages, server overlay vs per-member JSON (issue 16, item 1): CPU per request in
process, the ASGI application called directly (no sockets, no HTTP parsing: the same for
every option), on a day of ``PAPERS`` papers and a paper page with ``COMMENTS`` comments.

- ``anonymous``: the response cache's hit (the floor);
- ``member, whole render``: the application renders the member's page (before issue 16; a
  read-your-writes cookie sends the request past the overlay to the application);
- ``member, overlay``: web/member_pages.py (shared render + the member's parts spliced in);
- ``member, JSON``: option (b): the anonymous page plus one per-member JSON request through
  the application (``/api/whoami-v2`` with the cookie: the floor of any such endpoint, before
  its own queries, which are those of the overlay's member parts).

Run:  .venv/bin/python -m bench.member_overlay [--n 300]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import machine, median
from paperfeed.accounts.sessions import start_session
from paperfeed.app import create_app
from paperfeed.http.auth import cookie_name, lifetimes
from paperfeed.http.read_routing import PRIMARY_COOKIE
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service.comments import add_comment
from paperfeed.service.votes import set_vote
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

PAPERS = 30
COMMENTS = 5


def dataset(url: str) -> tuple[str, str]:
    """The papers, a member with votes and comments; (a paper id, the member's cookie)."""
    from paperfeed.accounts import users

    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    records = [
        PaperRecord.build(
            arxiv_id=f"2612.{n:05d}",
            title=f"A study of shared parts number {n} with $x^2$",
            abstract="We measure things. " * 40,
            authors=("Ada Lovelace", "Alan Turing", "Grace Hopper"),
            categories=("cs.LG", "cs.CL"),
            published_at=now,
            feed_day=now.date(),
            upvotes=n,
        )
        for n in range(1, PAPERS + 1)
    ]
    settings = Settings(database_url=url, _env_file=None)
    with session_scope(sessions) as s:
        upsert_records(s, records, source="bench", now=now)
        made = users.sign_up(
            s, username="ada", email="ada@example.org", password="bench password x",
            now=now, confirm_ttl=timedelta(hours=1),
        )  # fmt: skip
        user = users.confirm_email(s, made.token, now=now)
    with session_scope(sessions) as s:
        for r in records[::3]:
            set_vote(s, user.id, r.arxiv_id, up=True, now=now)
        for k in range(COMMENTS):
            add_comment(s, records[0].arxiv_id, user, f"Comment {k}", now=now)
        raw = start_session(s, user.id, now=now, lifetimes=lifetimes(settings))
    engine.dispose()
    return records[0].arxiv_id, f"{cookie_name(settings)}={raw}"


async def call(app, path: str, cookie: str | None = None) -> int:
    """GET ``path`` (with its query string) from the ASGI ``app`` directly; the status."""
    path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    status = 0

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def timed(app, requests: list[tuple[str, str | None]], n: int) -> float:
    """Microseconds per round of ``requests`` (each must answer 200), median of 3."""
    for path, cookie in requests:
        assert await call(app, path, cookie) == 200, path
    runs = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            for path, cookie in requests:
                await call(app, path, cookie)
        runs.append((time.process_time() - started) / n * 1e6)
    return median(runs)


async def measure(app, paper: str, cookie: str, n: int) -> list[tuple[str, str, float]]:
    whole = f"{cookie}; {PRIMARY_COOKIE}=1"
    rows = []
    for page in ("/", f"/papers/{paper}"):
        options = {
            "anonymous": [(page, None)],
            "member, whole render": [(page, whole)],
            "member, overlay": [(page, cookie)],
            "member, JSON (b)": [(page, None), ("/api/whoami-v2", cookie)],
        }
        for name, requests in options.items():
            rows.append((page, name, await timed(app, requests, n)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/overlay.db"
        paper, cookie = dataset(url)
        settings = Settings(
            database_url=url, index_dir=Path(tmp) / "index", semantic_search=False,
            _env_file=None,
        )  # fmt: skip
        app = create_app(settings)

        async def run():
            async with app.router.lifespan_context(app):
                return await measure(app, paper, cookie, args.n)

        rows = asyncio.run(run())
    print(f"# machine: {machine()}\n| page | option | CPU us/request |\n|---|---|---|")
    for page, name, us in rows:
        print(f"| {page.split('/')[1] or 'feed'} | {name} | {us:,.0f} |")


if __name__ == "__main__":
    main()
