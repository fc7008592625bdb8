"""Issue 12 item 3, measured on a real `paperfeed serve`: a flood of distinct URLs with 1 MB
answers does not grow the worker beyond the response cache's byte bound.

The attack run sent ``/api/papers/{id}/comments?bust=N`` (1 MB each) for N = 0..299 and saw
a worker grow from 1.2 to 1.5 GB. The cache treats every route alike, so the flood here is
``/api/papers?limit=10`` over ten papers with 95 KB abstracts (~1 MB an answer): 300 URLs
with a parameter the route does not read, then 300 distinct URLs it may store (``limit``
repeated), with the cache bounded at 16 MiB.
"""

from __future__ import annotations

import httpx
import psutil
import pytest
from ops_helpers import serve_env, serving

BOUND = 16 * 2**20
FLOOD = 300


def _server_rss(base: str) -> int:
    """Resident memory of the process listening on ``base``'s port, and its children."""
    port = int(base.rsplit(":", 1)[1])
    [pid] = {
        c.pid
        for c in psutil.net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
    }
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])


@pytest.mark.slow
def test_a_flood_of_distinct_urls_leaves_the_worker_within_the_bound(
    settings, paper_factory, tmp_path
):
    for n in range(10):
        paper_factory(abstract=f"Words of abstract number {n}. " * 3400)  # ~95 KB
    env = serve_env(settings, response_cache_bytes=str(BOUND))
    with serving(env, tmp_path / "app.log") as base, httpx.Client(timeout=30) as client:

        def get(url: str) -> int:
            r = client.get(base + url)
            assert r.status_code == 200, r.text[:200]
            return len(r.content)

        for k in range(20):  # warm up: the route, the allocator, a cache at its bound
            get("/api/papers?limit=10" + "&limit=10" * (k + 1000))
        start = _server_rss(base)
        sent = sum(get(f"/api/papers?limit=10&bust={n}") for n in range(FLOOD))
        after_unknown = _server_rss(base)
        sent += sum(get("/api/papers?limit=10" + "&limit=10" * k) for k in range(1, FLOOD))
        after_declared = _server_rss(base)
    grown = (after_unknown - start, after_declared - start)
    print(
        f"sent {sent / 2**20:.0f} MiB; worker RSS {start / 2**20:.0f} MiB at start, "
        f"+{grown[0] / 2**20:.1f} MiB after ?bust=N, +{grown[1] / 2**20:.1f} MiB after "
        f"distinct declared URLs (bound {BOUND / 2**20:.0f} MiB)"
    )
    assert sent > 500 * 2**20
    # Unbounded, each 1 MB answer stayed: +300 MB per flood. Allowance: the allocator's
    # free lists and one answer in flight.
    assert grown[0] < 16 * 2**20
    assert grown[1] < BOUND + 16 * 2**20
