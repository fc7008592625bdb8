import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_concurrent_writers_queue_instead_of_failing(session_factory):
    """Eight threads upsert overlapping papers at once: every write lands, none errors."""
    errors = []

    def writer(n):
        try:
            for i in range(10):
                record = PaperRecord.build(
                    arxiv_id=f"2611.{(n * 10 + i) % 40:05d}", title=f"T {n} {i}", upvotes=n
                )
                with session_scope(session_factory) as s:
                    # Read first, as the upsert does: a deferred SQLite transaction would fail
                    # here with "database is locked" when another writer commits in between.
                    s.scalar(select(func.count()).select_from(Paper))
                    upsert_records(s, [record], source="test", now=NOW)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 40
        assert s.scalar(select(func.count()).select_from(PaperChange)) >= 40


def test_sqlite_pragmas_are_set(engine, backend):
    if backend != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
