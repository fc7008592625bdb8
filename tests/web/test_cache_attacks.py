"""Issue 12, items 1 and 3: the response cache against an outside attacker.

1. A request's ``Host`` never reaches a response (nginx forwarded any Host, and a cached
   ``Link`` header carried ``http://attacker.example/...`` to every anonymous reader).
2. The cache's memory is bounded: by bytes, old data versions freed at once, and a URL with
   a query parameter its route does not read never stored (``?bust=N`` grew a worker by
   300 MB).

The in-process app is the real one on the test's database; the process-level figure (RSS of
a real `paperfeed serve`) is in tests/ops/test_cache_memory.py.
"""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from paperfeed.app import create_app
from paperfeed.http.cache import ResponseCache
from paperfeed.http.deps import get_now
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange

ATTACKER = "attacker.example"


def response_cache(app) -> ResponseCache:
    """The ResponseCache instance in the started app's middleware stack."""
    layer = app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer


def touch_papers(session_factory) -> None:
    """A write as the store records it: one more entry in the change sequence."""
    with session_scope(session_factory) as s:
        paper_id = s.scalar(select(Paper.id).limit(1))
        s.execute(insert(PaperChange).values(paper_id=paper_id, changed_at=datetime.now(UTC)))


# ---------------------------------------------------------------- item 1: Host


def test_link_header_of_a_cached_response_ignores_the_host(client, settings, paper_factory):
    for _ in range(5):
        paper_factory()
    poisoned = client.get("/api/papers?limit=3", headers={"Host": ATTACKER})
    assert poisoned.status_code == 200
    victim = client.get("/api/papers?limit=3")
    assert victim.headers["etag"] == poisoned.headers["etag"]  # the same cached response
    for r in (poisoned, victim):
        link = r.headers["link"]
        assert ATTACKER not in link
        assert link.startswith(f"<{settings.base_url}/api/papers?cursor=")
        assert link.endswith('&limit=3>; rel="next"')


def test_no_response_carries_the_request_host(client, paper_factory):
    """Every kind of answer: pages, API, feeds, OpenAPI, the framework's trailing-slash
    redirects, errors; with the Host and the proxy headers an attacker controls."""
    arxiv_id = paper_factory()
    for _ in range(3):
        paper_factory()
    urls = [
        "/",
        "/papers",
        f"/papers/{arxiv_id}",
        f"/papers/{arxiv_id}.md",
        "/search?q=paper",
        "/search/?q=paper",
        "/api/papers?limit=1",
        "/api/papers/?limit=1",
        "/api/daily_papers",
        "/api/daily_papers/",
        f"/api/papers/{arxiv_id}",
        f"/api/papers/{arxiv_id}/comments",
        "/feeds/daily.atom",
        "/feeds/trending.rss",
        "/feeds/search.atom?q=paper",
        "/openapi.json",
        "/docs",
        "/login",
        "/login/",
        "/signup",
        "/account/",
        "/papers/2699.99999",
        "/no/such/page",
    ]
    headers = {"Host": ATTACKER, "X-Forwarded-Host": ATTACKER, "X-Forwarded-Proto": "https"}
    for url in urls:
        r = client.get(url, headers=headers, follow_redirects=False)
        assert r.status_code < 500, url
        leaked = [f"{k}: {v}" for k, v in r.headers.items() if ATTACKER in v]
        assert not leaked, (url, leaked)
        assert ATTACKER not in r.text, url
    r = client.get("/search/", headers=headers, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "http://127.0.0.1:8000/search"  # settings.base_url


# ---------------------------------------------------------------- item 3: memory


def test_unknown_query_parameters_are_never_stored(client, paper_factory):
    arxiv_id = paper_factory()
    cache = response_cache(client.app)
    before = (len(cache.entries), cache.bytes)
    for n in range(50):
        r = client.get(f"/api/papers/{arxiv_id}/comments?bust={n}")
        assert r.status_code == 200
    assert (len(cache.entries), cache.bytes) == before
    # Neither a parameter the route does not read beside ones it does, nor an empty one.
    client.get("/api/papers?limit=2&bust=1")
    client.get(f"/papers/{arxiv_id}?x")
    assert (len(cache.entries), cache.bytes) == before


def test_declared_query_parameters_are_still_cached(client, paper_factory, session_factory):
    paper_factory(title="Original title")
    urls = [
        "/api/papers?limit=2",
        "/search?q=original&mode=keyword",
        "/api/papers/search?q=original&mode=keyword&limit=5",
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    with session_scope(session_factory) as s:  # invisible to the cache: no change recorded
        s.execute(update(Paper).values(title="Silently changed"))
    for url in urls:
        assert "Original title" in client.get(url).text, url  # served from the cache


def test_a_new_data_version_frees_the_old_entries(client, paper_factory, session_factory):
    ids = [paper_factory() for _ in range(5)]
    cache = response_cache(client.app)
    for arxiv_id in ids:
        client.get(f"/api/papers/{arxiv_id}")
    assert len(cache.entries) == 5
    touch_papers(session_factory)
    client.get(f"/api/papers/{ids[0]}")
    assert len(cache.entries) == 1  # the old four could never be served again
    assert cache.bytes == sum(e.size for e in cache.entries.values())


@pytest.fixture
def small_cache_app(settings):
    app = create_app(settings.model_copy(update={"response_cache_bytes": 4 * 2**20}))
    app.dependency_overrides[get_now] = lambda: datetime(2026, 11, 20, 12, tzinfo=UTC)
    return app


def test_a_flood_of_distinct_urls_stays_under_the_byte_bound(small_cache_app, paper_factory):
    """Distinct URLs the cache may store (every ``limit``, the same parameter repeated), each
    ~300 KB: 120 of them are 36 MB; what the cache keeps, counted and as allocated by Python,
    stays under the 4 MiB bound."""
    for n in range(10):
        paper_factory(abstract=f"Words of abstract {n}. " * 1500)  # ~30 KB each
    bound = 4 * 2**20
    urls = [f"/api/papers?limit={k}" for k in range(1, 11)]
    urls += ["/api/papers?limit=10" + "&limit=10" * k for k in range(1, 111)]
    with TestClient(small_cache_app) as client:
        cache = response_cache(small_cache_app)
        client.get("/api/papers?limit=10&bust=warm-up")  # the route's first run, not cached
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            total = 0
            for url in urls:
                r = client.get(url)
                assert r.status_code == 200
                total += len(r.content)
                assert cache.bytes <= bound
                del r
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
    assert total > 30 * 2**20  # the flood was ~9 times the bound
    assert len(cache.entries) >= 10  # the cache still worked, up to its bound
    assert cache.bytes == sum(e.size for e in cache.entries.values())
    # Allowance for what the app itself keeps (SQLAlchemy's statement cache, pydantic).
    print(
        f"flood {total / 2**20:.1f} MiB, cache {cache.bytes / 2**20:.2f} MiB counted, "
        f"{len(cache.entries)} entries, {held / 2**20:.2f} MiB held"
    )
    assert held < bound + 2 * 2**20, held
