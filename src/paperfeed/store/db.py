"""Engines and sessions: SQLite pragmas in one connect listener, PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url``; a SQLite file's directory is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so that writers take
        # the write lock up front (BEGIN IMMEDIATE waits on busy_timeout) instead of failing
        # with SQLITE_BUSY when a deferred read transaction tries to upgrade.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    kwargs.setdefault("pool_pre_ping", True)
    # Plain executemany (psycopg pipelines it, parsing the statement once) instead of
    # SQLAlchemy's multi-VALUES rewriting, whose huge statements psycopg parses slowly.
    kwargs.setdefault("use_insertmanyvalues", False)
    return create_engine(url, **kwargs)


def make_replica_engine(url: str, **kwargs) -> Engine:
    """An engine for a read replica. On PostgreSQL its transactions are ``READ ONLY``: a write
    sent there by mistake (say, a replica URL that names the primary) fails at once instead of
    succeeding on the wrong server."""
    engine = make_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # autocommit at the driver; SQLAlchemy emits BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _sqlite_begin(conn) -> None:
    immediate = conn.get_execution_options().get("paperfeed_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_session(factory: sessionmaker[Session]) -> Session:
    """A session whose transaction takes SQLite's write lock at BEGIN, as ``session_scope``'s
    does, but lazily: at its first statement, so a request that never writes takes no lock.
    The caller commits and closes it."""
    engine = factory.kw["bind"]
    return factory(bind=engine.execution_options(paperfeed_write=True))


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """A short transaction: committed on success, rolled back on any error.

    ``write=True`` (the default) takes SQLite's write lock at BEGIN, so concurrent writers
    queue on the busy timeout instead of failing; it changes nothing on PostgreSQL.
    """
    session = factory()
    if write:
        session.connection(execution_options={"paperfeed_write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
