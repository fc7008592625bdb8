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

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from paperfeed.store.models import PaperChange

_CACHEABLE_STATUS = {200}


@dataclass
class _Entry:
    version: tuple
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


def data_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(PaperChange.seq))).scalar() or 0


class ResponseCache:
    """Pure ASGI middleware; ``prefixes`` selects the paths worth caching."""

    def __init__(
        self,
        app,
        *,
        engine: Engine,
        prefixes: tuple[str, ...],
        ttl: float = 30.0,
        max_entries: int = 2048,
        max_body: int = 2_000_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.engine = engine
        self.prefixes = prefixes
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_body = max_body
        self.clock = clock
        self.entries: OrderedDict[bytes, _Entry] = OrderedDict()

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
        # Inline, not in the threadpool: an indexed max() costs less than the thread hop would.
        # ``engine`` must be the cache's own (one connection): waiting on the app's pool from
        # the event loop would deadlock, since sessions are released from the loop.
        version = (data_version(self.engine), datetime.now(UTC).date())
        entry = self.entries.get(key)
        if entry is not None and entry.version == version and entry.expires > self.clock():
            self.entries.move_to_end(key)
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
                self.entries[key] = _Entry(
                    version, self.clock() + self.ttl, start["status"], headers, body, etag
                )
                self.entries.move_to_end(key)
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
