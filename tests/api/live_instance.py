"""One live instance per test module and backend, for tests that only read: a migrated
database (copied from the session's template, on SQLite or PostgreSQL) holding ``papers``,
the real app under uvicorn on 127.0.0.1, and ``base_url`` naming that very server, so that
the absolute URLs it writes (``Link`` headers, Markdown links) can be followed.

Tests against it must not write: they share it (the budget of the suite, PREAMBLE).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from live_server import bound_socket, serve
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

BACKENDS = ["sqlite", "postgresql"]  # as tests/conftest.py's (a module may not import it)
NOW_TEXT = "2026-11-20T12:00:00+00:00"  # the pinned clock of tests/conftest.py
_names = itertools.count()


@dataclass(frozen=True)
class Instance:
    url: str
    settings: Settings
    sessions: object  # a sessionmaker on the instance's database


@contextmanager
def live_instance(request, backend: str, papers: list[dict], tmp: Path) -> Iterator[Instance]:
    """Serve an instance on ``backend`` with ``papers`` (``PaperRecord.build`` fields)."""
    from datetime import datetime

    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    now = datetime.fromisoformat(NOW_TEXT)
    with _database(request, backend, tmp) as database_url:
        engine = make_engine(database_url)
        sessions = make_sessionmaker(engine)
        with session_scope(sessions) as session:
            records = [PaperRecord.build(**_typed(fields)) for fields in papers]
            report = upsert_records(session, records, source="test", now=now)
        assert not report.failed, report.failed
        sock = bound_socket()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = Settings(
            database_url=database_url,
            index_dir=tmp / "index",
            base_url=url,
            embed_after_ingest=False,
            _env_file=None,
        )
        app = create_app(settings)
        app.dependency_overrides[get_now] = lambda: now
        try:
            with serve(app, timeout=60, sock=sock) as served:  # a loaded machine is slow
                yield Instance(served, settings, sessions)
        finally:
            engine.dispose()


def _typed(fields: dict) -> dict:
    """Times and days written as ISO strings in the data below, as the record wants them."""
    from datetime import date, datetime

    typed = dict(fields)
    for key, value in fields.items():
        if key.endswith("_at"):
            typed[key] = datetime.fromisoformat(value)
        elif key == "feed_day":
            typed[key] = date.fromisoformat(value)
    return typed


@contextmanager
def _database(request, backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp / "paperfeed.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server, admin = request.getfixturevalue("pg_server")
    name = f"live_{os.getpid()}_{next(_names)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE paperfeed_template'))
    try:
        yield server.get_uri(database=name, driver="psycopg")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _at(day: int, hour: int = 9) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00+00:00"


# Seven papers on the feed (five in week 47, one on Nov 2, one in October) and one that is
# not: what the Markdown, paging and CLI tests read.
HF_PAPERS: list[dict] = [
    {
        "arxiv_id": "2611.00042",
        "title": 'MVD$^2$: na\\"{\\i}ve\n  attention <b>again</b>',
        "abstract": "We show $\\mathcal{O}(n^2)$ -- *really* -- costs \\$5 [x](javascript:alert(1))."
        "\n\nSecond paragraph: <script>alert(1)</script> at https://example.org/a_b.",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "categories": ("cs.LG", "cs.CL"),
        "published_at": "2026-11-19T17:34:15+00:00",
        "feed_day": "2026-11-20",
        "submitted_at": _at(20, 11),
        "submitted_by": "akhaliq",
        "upvotes": 7,
        "num_comments": 3,
        "github_repo": "https://github.com/x/y",
        "github_stars": 12,
        "project_page": "https://x.github.io/y",
        "doi": "10.1000/xyz_1",
    },
    *(
        {
            "arxiv_id": f"2611.0000{n}",
            "title": f"Mixture of experts, part {n}",
            "abstract": f"Routing tokens to experts, study {n}.",
            "authors": ("Grace Hopper",),
            "feed_day": f"2026-11-{day:02d}",
            "submitted_at": _at(day, n),
            "submitted_by": submitter,
            "upvotes": n,
        }
        for n, day, submitter in [
            (1, 16, "ada"), (2, 17, "alan"), (3, 18, "ada"), (4, 19, "alan"), (5, 2, "ada")
        ]
    ),
    {
        "arxiv_id": "2610.00001",
        "title": "An October paper on experts",
        "abstract": "Older.",
        "feed_day": "2026-10-30",
        "submitted_at": "2026-10-30T09:00:00+00:00",
        "submitted_by": "ada",
    },
    {"arxiv_id": "2611.00099", "title": "Not on the feed", "abstract": "Only on arXiv."},
]  # fmt: skip
