"""Member pages from shared parts: the feed, trending, search and paper pages of a signed-in
member, rendered once per data version for every member and completed per request.

The response cache (http/cache.py) serves anonymous readers only; a member's page carries
their name, their CSRF token and their upvotes, saves, feedback, comments and follows. But
everything else on it is the same for every member, and is most of the work. This ASGI
middleware, inside the response cache, takes a member's GET of one of those pages:

1. the session cookie is checked on the primary (``accounts.sessions.resume_session``); an
   unknown, expired or banned session, or one due for its touch, goes to the application;
2. a page's first view at a data version goes to the application (the member's own render
   costs less than a shared render and a splice); from its second, the page's shared
   render, kept per (URL, admin or not) and data version, is made by the
   application itself with a placeholder viewer whose own parts are slots
   (web/member_slots.py): markers the templates write with ``per_member`` and
   ``member_hole``;
3. the member's parts (:mod:`paperfeed.web.member_parts`: a few indexed reads on the primary,
   so a member's save or vote shows at once) are spliced in.

The data version and the day key the shared renders as in the response cache: a vote,
comment, moderation or paper change makes every member's next page new. A browser that has
just written (the replica's read-your-writes cookie) goes to the application, so it never
sees a shared part older than its write. Memory is bounded in bytes (cachetools, LRU). A
member's first view of a paper is recorded for for-you's "hide seen" before the page is
sent, in one write for the views that arrive together. docs/member-pages.md has the design
and the measurements.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import anyio
from cachetools import LRUCache
from sqlalchemy import Connection, Engine

from paperfeed.accounts.session_probe import Resumed, SessionProbe
from paperfeed.accounts.users import Account
from paperfeed.http.auth import Auth, cookie_name, csrf_key_of, csrf_token_for, lifetimes
from paperfeed.http.cache import query_is_declared, spread_expiry
from paperfeed.http.deps import app_now
from paperfeed.http.negotiation import markdown_variant
from paperfeed.http.read_routing import PRIMARY_COOKIE
from paperfeed.library.seen import mark_seen, unseen_paper_id
from paperfeed.store.db import session_scope
from paperfeed.web.member_parts import member_parts
from paperfeed.web.member_slots import Parsed, Slots, parse, splice

PAGES = re.compile(r"/|/papers|/papers/trending|/search|/papers/(?!trending$)[^/]+|/for-you")
OWN_PAGES = frozenset({"/for-you"})  # the member's own ranking: kept whole, never shared
PAPER_PAGE = re.compile(r"/papers/(?!trending$)([^/]+)")
DROPPED = (b"content-length", b"etag", b"cache-control")
ONCE_KEPT = 50_000  # pages seen once remembered (~0.2 kB each), least recently seen out


class _Body:
    """A member's finished page, kept for that session at one member state and version."""

    __slots__ = ("version", "expires", "status", "headers", "body", "size")

    def __init__(self, version, expires, status, headers, body: bytes):
        self.version, self.expires, self.status = version, expires, status
        self.headers, self.body, self.size = headers, body, 400 + len(body)


def cookie_values(raw: bytes, names: tuple[str, ...]) -> dict[str, str]:
    """The values of the cookies ``names`` in a ``Cookie`` header, split as Starlette's
    ``request.cookies`` splits it (on ``;`` then the first ``=``, stripped, the last of a
    repeated name wins), so this middleware and the application see the same session. A
    quoted value keeps its quotes here: no session token matches it, and the application
    answers."""
    found: dict[str, str] = {}
    for pair in raw.decode("latin-1").split(";"):
        name, eq, value = pair.partition("=")
        name = name.strip() if eq else ""
        if name in names:
            found[name] = value.strip()
    return found


class _Shared:
    __slots__ = ("version", "expires", "status", "headers", "parsed", "size")

    def __init__(self, version, expires, status, headers, parsed: Parsed, size: int):
        self.version, self.expires, self.status = version, expires, status
        self.headers, self.parsed, self.size = headers, parsed, size


def placeholder(slots: Slots, admin: bool) -> Account:
    """The viewer of a shared render: no one (id 0 owns nothing), its name and email slots."""
    return Account(
        id=0,
        username=slots.value("username"),
        email=slots.value("email"),
        fullname=None,
        role="admin" if admin else "member",
        confirmed=True,
        created_at=datetime(2000, 1, 1, tzinfo=UTC),
    )


class HeldReads:
    """One connection to the primary kept for the members' reads, used only from the event
    loop between awaits (a pooled checkout costs more than the reads). Each use ends its
    transaction, so the next sees the latest commit; a broken connection is dropped."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn: Connection | None = None

    @contextmanager
    def __call__(self) -> Iterator[Connection]:
        if self.conn is None:
            self.conn = self.engine.connect()
        try:
            yield self.conn
            self.conn.rollback()
        except Exception:
            self.conn.invalidate()
            self.conn = None
            raise


class MemberPages:
    """Pure ASGI middleware; ``fastapi_app`` is the application (its state and clock),
    ``sessions`` the primary's session factory."""

    def __init__(
        self,
        app,
        *,
        fastapi_app,
        sessions,
        version,
        ttl: float,
        max_bytes: int,
    ):
        self.app = app
        self.sessions = sessions  # the primary's, for the seen marks
        self.fastapi_app = fastapi_app
        self.version = version  # the response cache's probe
        self.ttl = ttl
        self.slots = Slots()
        self.shared: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda e: e.size)
        self.once: LRUCache = LRUCache(maxsize=ONCE_KEPT)  # pages viewed once: their version
        self.current = None
        self.filling: dict[tuple, asyncio.Future] = {}
        self.seen: set[tuple[int, int]] = set()
        self.seen_task: asyncio.Task | None = None
        self.seen_done: asyncio.Future | None = None
        self.reads = HeldReads(fastapi_app.state.engine)
        # The session reads: one held connection of the primary, closed by the lifespan.
        self.probe = fastapi_app.state.session_probe = SessionProbe(fastapi_app.state.engine)
        settings = fastapi_app.state.settings
        self.cookie_names = (cookie_name(settings), PRIMARY_COOKIE)
        self.lifetimes = lifetimes(settings)
        # Finished pages per (session, member state, name, email, role, URL): a repeat view
        # costs the session read. Bounded in bytes apart from the shared renders.
        self.bodies: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda e: e.size)

    def _cookie(self, scope) -> str | None:
        """The session cookie of a GET of a member page, else None (the application's)."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        if not PAGES.fullmatch(scope["path"]):
            return None
        if markdown_variant(scope["path"], scope["headers"]):
            return None  # a paper's Markdown has no member parts: the application's
        raw = b"; ".join(v for k, v in scope["headers"] if k == b"cookie")
        if not raw or any(k == b"authorization" for k, _ in scope["headers"]):
            return None
        found = cookie_values(raw, self.cookie_names)
        if PRIMARY_COOKIE in found:  # just wrote: the application reads its write on the primary
            return None
        return found.get(self.cookie_names[0])

    async def __call__(self, scope, receive, send):
        cookie = self._cookie(scope)
        if cookie is None:
            await self.app(scope, receive, send)
            return
        state = self.fastapi_app.state
        now = app_now(self.fastapi_app)
        try:
            version = (self.version(), datetime.now(UTC).date())
        except Exception:
            await self.app(scope, receive, send)  # no version: the application answers
            return
        if version != self.current:
            self._new_version(version)
        try:
            resumed, needs_write = self.probe.resume(cookie, now=now, lifetimes=self.lifetimes)
        except Exception:
            resumed, needs_write = None, True  # the database is down: the application answers
        if resumed is None or needs_write:
            await self.app(scope, receive, send)  # log-in page, expiry, touch: the app's
            return
        kept_key = self._kept_key(scope, resumed)
        kept = self.bodies.get(kept_key)
        loop = asyncio.get_running_loop()
        if kept is not None and kept.version == version and kept.expires > loop.time():
            await _send(send, kept.status, kept.headers, kept.body)
            return
        if scope["path"] in OWN_PAGES:
            await self._own_page(scope, receive, send, kept_key, version)
            return
        account = resumed.account
        key = (scope["path"], scope["query_string"], account.is_admin)
        entry = await self._shared_page(scope, receive, key, version)
        if entry is None:
            await self.app(scope, receive, send)
            return
        csrf = csrf_token_for(csrf_key_of(state), cookie)
        with self.reads() as conn:
            parts = member_parts(conn, state.templates.env, account, csrf, entry.parsed.keys)
            seen = self._note_seen(conn, scope["path"], account.id, now)
        if seen is not None:
            await asyncio.shield(seen)  # written before the page goes: the next one knows
        body = splice(entry.parsed.parts, parts).encode()
        headers = [*entry.headers, (b"content-length", str(len(body)).encode())]
        headers.append((b"cache-control", b"private, no-store"))
        if version == self.current:
            self._keep(kept_key, _Body(version, entry.expires, entry.status, headers, body))
        await _send(send, entry.status, headers, body)

    def _new_version(self, version) -> None:
        """A write (or midnight) made a new data version: nothing of another is served."""
        self.current = version
        self.shared.clear()
        self.once.clear()
        self.bodies.clear()

    @staticmethod
    def _kept_key(scope, resumed: Resumed) -> tuple:
        """A kept page's key: the session (its CSRF token; never another member's), the
        member's state counter (any write of theirs makes it new, in any process; for their
        own pages the seen papers' too), what the header shows of them, and the URL."""
        account = resumed.account
        own = scope["path"] in OWN_PAGES
        return (
            resumed.token_hash,
            resumed.member_state,
            resumed.seen_state if own else None,
            account.username,
            account.email,
            account.role,
            scope["path"],
            scope["query_string"],
        )

    def _keep(self, key: tuple, body: _Body) -> None:
        if body.size <= self.bodies.maxsize // 8:
            self.bodies[key] = body

    async def _own_page(self, scope, receive, send, kept_key: tuple, version) -> None:
        """A page that is the member's own (for-you): the application renders it (it reads
        the primary); a 200 without cookies is kept for the session at this member state and
        data version, for ``ttl`` (its ranking decays with time, like trending's)."""
        status, headers, body = await _captured(self.app, scope, receive)
        if (
            status == 200
            and version == self.current
            and not any(k.lower() == b"set-cookie" for k, _ in headers)
        ):
            expires = spread_expiry(asyncio.get_running_loop().time(), self.ttl)
            self._keep(kept_key, _Body(version, expires, status, headers, body))
        await _send(send, status, headers, body)

    async def _shared_page(self, scope, receive, key: tuple, version) -> _Shared | None:
        """The shared render of ``key`` at ``version``: kept, being made, or made now."""
        loop = asyncio.get_running_loop()
        entry = self.shared.get(key)
        if entry is not None and entry.version == version and entry.expires > loop.time():
            return entry
        filling = self.filling.get((key, version))
        if filling is not None:  # one render per page and version at a time
            return await asyncio.shield(filling)
        if self.once.pop(key, None) != version:  # a first view: the member's own render
            self.once[key] = version  # costs less than a shared one and a splice; the
            return None  # shared render is made from the second view (docs/member-pages.md)
        done = self.filling[(key, version)] = loop.create_future()
        try:
            entry = await self._render(scope, receive, version, admin=key[2])
            if entry is not None and version == self.current:
                self.shared[key] = entry
        except Exception:
            entry = None
            raise
        finally:
            done.set_result(entry)
            del self.filling[(key, version)]
        return entry

    async def _render(self, scope, receive, version, *, admin: bool) -> _Shared | None:
        """The application's page for the placeholder viewer, parsed; None unless a 200."""
        dropped = (b"cookie", b"if-none-match", b"if-modified-since")
        shared = {
            **scope,
            "headers": [(k, v) for k, v in scope["headers"] if k not in dropped],
            "state": {
                **scope.get("state", {}),
                "auth": Auth(placeholder(self.slots, admin), "session"),
                "member_slots": self.slots,
            },
        }
        status, headers, body = await _captured(self.app, shared, receive)
        headers = [(k, v) for k, v in headers if k.lower() not in DROPPED]
        if status != 200 or any(k.lower() == b"set-cookie" for k, _ in headers):
            return None
        if not query_is_declared(shared):
            return None
        html = body.decode()
        parsed = parse(self.slots, html)
        size = 600 + 2 * len(html) + 80 * len(parsed.parts)
        if size > self.shared.maxsize // 8:
            return None
        expires = spread_expiry(asyncio.get_running_loop().time(), self.ttl)
        return _Shared(version, expires, 200, headers, parsed, size)

    def _note_seen(
        self, conn: Connection, path: str, user_id: int, now: datetime
    ) -> asyncio.Future | None:
        """A paper page's first view by the member: joins the batch being written (one write
        for the views that arrive together), whose future it returns."""
        match = PAPER_PAGE.fullmatch(path)
        if match is None:
            return None
        paper_id = unseen_paper_id(conn, user_id, match.group(1))
        if paper_id is None:
            return None
        self.seen.add((user_id, paper_id))
        if self.seen_task is None:
            loop = asyncio.get_running_loop()
            self.seen_done = loop.create_future()
            self.seen_task = loop.create_task(self._write_seen(now, self.seen_done))
        return self.seen_done

    async def _write_seen(self, now: datetime, done: asyncio.Future) -> None:
        await asyncio.sleep(0)  # the views of this turn of the loop join the batch
        batch, self.seen, self.seen_task = self.seen, set(), None
        by_user: dict[int, list[int]] = {}
        for user_id, paper_id in batch:
            by_user.setdefault(user_id, []).append(paper_id)

        def write() -> None:
            with session_scope(self.sessions) as session:
                for user_id, paper_ids in by_user.items():
                    mark_seen(session, user_id, paper_ids, now=now)

        try:
            await anyio.to_thread.run_sync(write)
        finally:
            done.set_result(None)  # a failed write loses a "seen" mark, never the page


async def _captured(app, scope, receive) -> tuple[int, list, bytes]:
    """The application's answer to ``scope``, whole: status (500 if it never started),
    headers, body."""
    start: dict = {}
    chunks: list[bytes] = []

    async def capture(message):
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)


async def _send(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
