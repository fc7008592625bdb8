"""A response cache for anonymous GET requests, validated against the store on every hit.

Feed, paper, search and API pages are the same for every anonymous reader until a paper
changes, so rendering them again is wasted work. Each cached response is stamped with the
store's *data version* (the newest ``paper_changes.seq``: every write that changes what a
page shows appends there) and with the UTC day (pages say "today"). A hit costs one indexed
``max(seq)`` query, so several web workers, each with its own cache, never serve a page older
than the last committed write. Entries also expire after ``ttl`` seconds, for what depends on
the clock alone (trending, relative dates). Requests carrying cookies or an Authorization
header (signed-in readers) always go to the application.

Memory is bounded by bytes, not only by entries (issue 12: a flood of distinct 1 MB URLs grew
a worker by 300 MB): the entries' bodies, headers and keys together stay under ``max_bytes``,
least recently used first out. A new data version drops every entry of the old ones at once,
since none of them can be served again. And only a URL whose query parameters are all
declared by its route is stored: ``?bust=N`` made every URL new, and the pages reflect their
query string (the vote buttons' return address, the feeds' self links), so a key normalised
to the declared parameters would serve one reader's extra parameters to the others. A URL
with an unknown parameter is rendered and passed through unbuffered, like a signed-in
reader's.

The ETag is derived from the version and the body, so clients revalidate with 304s.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from paperfeed.http.negotiation import markdown_variant
from paperfeed.store.held_connection import HeldConnection

_CACHEABLE_STATUS = {200}
# What an entry costs beyond its bytes: the entry, its key and body objects, the dict slot
# (measured with tracemalloc, tests/web/test_cache_attacks.py); and each header tuple.
ENTRY_OVERHEAD = 600
HEADER_OVERHEAD = 130


# An entry lives between SPREAD and 1 times the ttl, drawn per entry: pages rendered
# together (a hot set after a deploy or a write) would otherwise expire together, and their
# renders queue on one worker at once (bench/load.py's member-paper-hot: p99 165 ms in the run
# that met an expiry, 24 ms in the one that did not).
SPREAD = 0.75


def spread_expiry(now: float, ttl: float, draw: Callable[[], float] = random.random) -> float:
    """When an entry made at ``now`` expires: never later than ``now + ttl``, spread over
    its last quarter so that entries made together do not expire together."""
    return now + ttl * (SPREAD + (1 - SPREAD) * draw())


@dataclass
class _Entry:
    version: tuple
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    size: int = 0  # what it costs to keep, in bytes (set when stored)


def declared_query_names(route) -> set[str]:
    """The query parameters a FastAPI route reads, its dependencies' included; none for a
    route that is not a FastAPI one (or no route: nothing matched)."""
    names: set[str] = set()
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is not None:
            names.update(field.alias for field in dependant.query_params)
            pending.extend(dependant.dependencies)
    return names


def query_is_declared(scope) -> bool:
    """Whether every query parameter of the request is one its route declares. Known once the
    router has run: it leaves the matched route in ``scope["route"]``."""
    query = scope["query_string"]
    if not query:
        return True
    names = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
    return names <= declared_query_names(scope.get("route"))


class VersionProbe(HeldConnection):
    """Reads the data version on a held autocommit connection (store/held_connection.py):
    used from the event loop once per cacheable request, so it must be cheap."""

    SQL = "SELECT max(seq) FROM paper_changes"

    def __call__(self) -> int:
        return self.fetchone(self.SQL)[0] or 0


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
        max_bytes: int = 64 * 2**20,
        max_body: int = 2_000_000,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
    ):
        self.app = app
        self.draw = draw  # where in its last quarter an entry expires (spread_expiry)
        self.version = version
        self.prefixes = prefixes
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # No single page may take more than an eighth of the budget.
        self.max_body = min(max_body, max_bytes // 8)
        self.clock = clock
        self.entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self.bytes = 0  # the sum of the entries' sizes
        self.current: tuple | None = None  # the newest data version seen
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
        if markdown_variant(scope["path"], scope["headers"]):
            # A paper page has two variants (HTML, Markdown), chosen by Accept: one key each,
            # never the raw header (http/negotiation.py). The route sends ``Vary: Accept``.
            key += b" accept=markdown"
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
        if version != self.current:
            self._drop_stale(version)
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

    def _drop_stale(self, version: tuple) -> None:
        """A write (or midnight) made a new version: entries of any other are never served
        again, so free them now rather than when they come to the end of the LRU order."""
        self.current = version
        for key in [k for k, e in self.entries.items() if e.version != version]:
            self._remove(key)

    def _remove(self, key: bytes) -> None:
        self.bytes -= self.entries.pop(key).size

    def _store(self, key: bytes, entry: _Entry) -> None:
        entry.size = (
            ENTRY_OVERHEAD
            + len(key)
            + len(entry.body)
            + sum(HEADER_OVERHEAD + len(k) + len(v) for k, v in entry.headers)
        )
        if key in self.entries:
            self._remove(key)
        self.entries[key] = entry
        self.bytes += entry.size
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            self._remove(next(iter(self.entries)))  # the least recently used

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
        size = 0
        passing = False  # not to be stored: the rest of the response goes straight on
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        first = key not in self.filling
        if first:
            self.filling[key] = (version, done)

        async def capture(message):
            nonlocal size, passing
            if passing or message["type"] not in ("http.response.start", "http.response.body"):
                await send(message)  # e.g. the test client's debug info
                return
            if message["type"] == "http.response.start":
                start.update(message)
                if not query_is_declared(scope):
                    passing = True
                    await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_body and more:
                # Too big to keep: stream it on rather than hold it all in memory.
                passing = True
                await send({**start, "headers": _without_etag(start)})
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
                chunks.clear()
                return
            if more:
                return
            body = b"".join(chunks)
            headers = self._complete(scope, start, body, key, version, done)
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        try:
            await self.app(scope, receive, capture)
        finally:
            if not done.done():  # nothing stored: whoever waited renders the page itself
                done.set_result(None)
            if first:
                del self.filling[key]

    def _complete(
        self, scope, start: dict, body: bytes, key: bytes, version: tuple, done: asyncio.Future
    ) -> list[tuple[bytes, bytes]]:
        """The whole response is in: its headers with our ETag; stored if it may be (and
        handed to the requests waiting for it)."""
        headers = _without_etag(start)
        storable = (
            start.get("status") in _CACHEABLE_STATUS
            and len(body) <= self.max_body
            and scope["method"] == "GET"
            and not any(k.lower() == b"set-cookie" for k, _ in headers)
        )
        etag = b'W/"' + hashlib.blake2b(body, digest_size=10).hexdigest().encode() + b'"'
        if start.get("status") in _CACHEABLE_STATUS:
            headers.append((b"etag", etag))
        if storable:
            expires = spread_expiry(self.clock(), self.ttl, self.draw)
            entry = _Entry(version, expires, start["status"], headers, body, etag)
            if version == self.current:  # else a newer write came in while rendering
                self._store(key, entry)
            done.set_result(entry)
        return headers


def _without_etag(start: dict) -> list[tuple[bytes, bytes]]:
    """The application's headers less its own ETag (the cache sets one, or none)."""
    return [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
