"""One DBAPI connection of an engine kept open in autocommit, for the cheap reads made on
every request from the event loop (the response cache's data version, member pages'
sessions): a pooled checkout with its pre-ping costs ~600 us on PostgreSQL, a held DBAPI
connection ~100 us. Autocommit, so each read sees the latest commit (an open SQLite read
transaction would pin an old snapshot)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


class HeldConnection:
    """A broken connection is replaced once, then the error propagates. Used only from the
    event loop (one caller at a time)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn = None

    def fetchone(self, sql: str, params: Any = None) -> tuple | None:
        """The first row of ``sql`` (a driver-level statement) with ``params``, or None."""
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = self.engine.raw_connection()
                    if self.engine.dialect.name == "postgresql":
                        self.conn.driver_connection.autocommit = True
                cursor = self.conn.cursor()
                try:
                    if params is None:
                        cursor.execute(sql)
                    else:
                        cursor.execute(sql, params)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.invalidate()
            finally:
                self.conn = None
