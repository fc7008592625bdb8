"""The response cache renders a page once however many readers ask for it at the same time:
requests that arrive while the page is being rendered for their version wait for that render
(under load, an expired front page was otherwise rendered by every waiting connection at
once; bench/load.py). The cache and its version probe are the real ones, on the test's
database; the page behind them is a stand-in whose renders can be counted and held."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert

from paperfeed.http.cache import SPREAD, ResponseCache, VersionProbe
from paperfeed.store.db import session_scope
from paperfeed.store.models import PaperChange


class Page:
    """An ASGI app counting its renders per path; each render waits for ``release``."""

    def __init__(self):
        self.renders: dict[str, int] = {}
        self.release: asyncio.Event | None = None  # made in each wave's event loop

    async def __call__(self, scope, receive, send):
        path = scope["path"]
        self.renders[path] = self.renders.get(path, 0) + 1
        n = self.renders[path]
        await self.release.wait()
        status = 404 if path.startswith("/missing") else 200
        body = f"{path} render {n}".encode()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})


def wave(cache: ResponseCache, page: Page, paths: list[str]) -> list[httpx.Response]:
    """GET every path at once; the renders are held until all requests have arrived."""

    async def run():
        page.release = asyncio.Event()
        transport = httpx.ASGITransport(app=cache)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            pending = [asyncio.create_task(client.get(p)) for p in paths]
            await asyncio.sleep(0.2)  # every request is in: rendering or waiting
            page.release.set()
            return await asyncio.gather(*pending)

    return asyncio.run(run())


def test_concurrent_requests_share_one_render_per_version(engine, paper_factory, session_factory):
    paper_id = paper_factory()
    page = Page()
    probe = VersionProbe(engine)
    cache = ResponseCache(page, version=probe, prefixes=("/papers", "/missing"))
    try:
        answers = wave(cache, page, ["/papers/a"] * 20 + ["/papers/b"] * 5)
        assert [r.status_code for r in answers] == [200] * 25
        assert {r.text for r in answers[:20]} == {"/papers/a render 1"}
        assert {r.text for r in answers[20:]} == {"/papers/b render 1"}
        assert page.renders == {"/papers/a": 1, "/papers/b": 1}
        assert len({r.headers["etag"] for r in answers[:20]}) == 1

        # Cached: no render at all. A write (a new version): one render again, for all.
        assert wave(cache, page, ["/papers/a"] * 3)[0].text == "/papers/a render 1"
        with session_scope(session_factory) as s:
            s.execute(
                insert(PaperChange).values(paper_id=_id(s, paper_id), changed_at=datetime.now(UTC))
            )
        answers = wave(cache, page, ["/papers/a"] * 10)
        assert {r.text for r in answers} == {"/papers/a render 2"}
        assert page.renders["/papers/a"] == 2

        # What is not stored (an error page) is not shared: each request renders its own.
        answers = wave(cache, page, ["/missing"] * 4)
        assert [r.status_code for r in answers] == [404] * 4
        assert page.renders["/missing"] >= 2  # the first render's waiters each rendered
        assert len({r.text for r in answers}) == page.renders["/missing"]
        assert cache.filling == {}  # nothing left behind
    finally:
        probe.close()


def test_pages_rendered_together_do_not_expire_together(engine, paper_factory):
    """Each entry expires somewhere in the last quarter of its ttl, so a hot set rendered at
    once is rendered again a few pages at a time, never all together and never late."""
    paper_factory()
    page = Page()
    probe = VersionProbe(engine)
    now = [0.0]
    draws = iter(i % 20 / 20 for i in range(10_000))  # 0, 0.05, ... 0.95: one an entry
    cache = ResponseCache(
        page, version=probe, prefixes=("/papers",), ttl=100.0, clock=lambda: now[0],
        draw=lambda: next(draws),
    )  # fmt: skip
    paths = [f"/papers/p{i}" for i in range(20)]
    try:
        wave(cache, page, paths)
        assert set(page.renders.values()) == {1}
        now[0] = 100 * SPREAD - 0.01  # before the spread: every page still kept
        wave(cache, page, paths)
        assert set(page.renders.values()) == {1}
        now[0] = 100 * (SPREAD + (1 - SPREAD) / 2)  # half way: about half rendered again
        wave(cache, page, paths)
        again = sum(n == 2 for n in page.renders.values())
        assert 5 <= again <= 15, page.renders
        now[0] = 100.0  # the ttl: nothing is kept longer
        wave(cache, page, paths)
        assert all(n >= 2 for n in page.renders.values())
    finally:
        probe.close()


def _id(session, arxiv_id: str) -> int:
    from paperfeed.store.models import Paper

    return session.query(Paper.id).filter_by(arxiv_id=arxiv_id).scalar()
