"""A response cache for anonymous GET requests, validated against the store on every hit.

Feed, paper, search and API pages are the same for every anonymous reader until a paper
changes, so rendering them again is wasted work. Each cached response is stamped with the
store's *data version* (the newest ``paper_changes.seq``: every write that changes what a
page shows appends there) and with the UTC day (pages say "today"). A hit costs one indexed
``max(seq)`` query, so several web workers, each with its own cache, never serve a page older
than the last committed write. Entries also expire after ``ttl`` seconds, for what depends on
the clock alone (trending, relative dates). Requests carrying cookies or an Authorization
header (signed-in readers) always go to the application.

The ETag is derived from the version and the body, so clients revalidate with 304s.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

_CACHEABLE_STATUS = {200}


@dataclass
class _Entry:
    version: tuple
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


class VersionProbe:
    """Reads the data version on one dedicated autocommit connection, kept open.

    Used only from the event loop, once per cacheable request, so it must be cheap: a pooled
    checkout with its pre-ping costs ~600 us on PostgreSQL, a held DBAPI connection ~100 us.
    Autocommit so that each read sees the latest commit (an open SQLite read transaction would
    pin an old snapshot). A broken connection is replaced once, then the error propagates.
    """

    SQL = "SELECT max(seq) FROM paper_changes"

    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn = None

    def __call__(self) -> int:
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = self.engine.raw_connection()
                    if self.engine.dialect.name == "postgresql":
                        self.conn.driver_connection.autocommit = True
                cursor = self.conn.cursor()
                try:
                    cursor.execute(self.SQL)
                    return cursor.fetchone()[0] or 0
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

    def dispose(self) -> None:
        """At shutdown: drop the connection and the engine's pool."""
        self.close()
        self.engine.dispose()


class ResponseCache:
    """Pure ASGI middleware; ``prefixes`` selects the paths worth caching."""

    def __init__(
        self,
        app,
        *,
        version: VersionProbe,
        prefixes: tuple[str, ...],
        ttl: float = 30.0,
        max_entries: int = 2048,
        max_body: int = 2_000_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.version = version
        self.prefixes = prefixes
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_body = max_body
        self.clock = clock
        self.entries: OrderedDict[bytes, _Entry] = OrderedDict()
        # key -> (version, future entry) of the render in progress; see __call__
        self.filling: dict[bytes, tuple[tuple, asyncio.Future]] = {}

    def _cacheable(self, scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        if not (path == "/" or path.startswith(self.prefixes)):
            return False
        return not any(name in (b"cookie", b"authorization") for name, _ in scope["headers"])

    async def __call__(self, scope, receive, send):
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = (
            scope["method"].encode() + b" " + scope["path"].encode() + b"?" + scope["query_string"]
        )
        # Inline on the event loop (a read of a few microseconds on SQLite, ~0.1 ms on
        # PostgreSQL, less than a thread hop), on the probe's own connection: waiting on the
        # app's pool here could block the loop behind requests that need it to finish.
        try:
            version = (self.version(), datetime.now(UTC).date())
        except Exception:
            # The database is down or restarting: no version, no cache. The application
            # answers (its error handlers turn the outage into a 503) instead of the error
            # escaping every handler, which logs a traceback and drops the connection.
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        if entry is not None and entry.version == version and entry.expires > self.clock():
            self.entries.move_to_end(key)
            await self._replay(scope, send, entry)
            return
        # One render per page and version at a time: requests that arrive while it runs
        # (an entry just expired or a write made it stale, under load) wait for its result
        # instead of each rendering the same page again (bench/load.py: 64 connections
        # stalled ~1 s every time the front page expired, p99 ~800 ms).
        filling = self.filling.get(key)
        if filling is not None and filling[0] == version:
            entry = await asyncio.shield(filling[1])
            if entry is not None:
                await self._replay(scope, send, entry)
                return
        await self._fill(scope, receive, send, key, version)

    async def _replay(self, scope, send, entry: _Entry) -> None:
        if_none_match = dict(scope["headers"]).get(b"if-none-match")
        if if_none_match is not None and entry.etag in [
            t.strip() for t in if_none_match.split(b",")
        ]:
            await send(
                {"type": "http.response.start", "status": 304, "headers": [(b"etag", entry.etag)]}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else entry.body}
        )

    async def _fill(self, scope, receive, send, key: bytes, version: tuple) -> None:
        start: dict = {}
        chunks: list[bytes] = []
        too_big = False
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        first = key not in self.filling
        if first:
            self.filling[key] = (version, done)

        async def capture(message):
            nonlocal too_big
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":  # e.g. the test client's debug info
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if sum(len(c) for c in chunks) > self.max_body:
                too_big = True
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
            storable = (
                start.get("status") in _CACHEABLE_STATUS
                and not too_big
                and scope["method"] == "GET"
                and not any(k.lower() == b"set-cookie" for k, _ in headers)
            )
            etag = b'W/"' + hashlib.blake2b(body, digest_size=10).hexdigest().encode() + b'"'
            if start.get("status") in _CACHEABLE_STATUS:
                headers.append((b"etag", etag))
            if storable:
                entry = _Entry(
                    version, self.clock() + self.ttl, start["status"], headers, body, etag
                )
                self.entries[key] = entry
                self.entries.move_to_end(key)
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
                done.set_result(entry)
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        try:
            await self.app(scope, receive, capture)
        finally:
            if not done.done():  # nothing stored: whoever waited renders the page itself
                done.set_result(None)
            if first:
                del self.filling[key]
