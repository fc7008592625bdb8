"""The real server under concurrent and abandoned requests: no connection is ever leaked.

Every request borrows one pooled database connection. A client that hangs up mid-request
(as load generators and impatient readers do) must not leave it checked out, or the pool
runs dry and the site stops answering.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest

from conftest import NOW
from live_server import serve
from paperfeed.web.app import DB_POOL_SIZE, create_app
from paperfeed.web.deps import get_now

PATHS = ["/", "/papers?date=2026-11-19", "/api/daily_papers", "/search?q=paper"]


@pytest.fixture
def uncached_app(settings, paper_factory):
    for i in range(30):
        paper_factory(feed_day=date(2026, 11, 20 - i % 3), upvotes=i)
    app = create_app(settings.model_copy(update={"response_cache_seconds": 0}))
    app.dependency_overrides[get_now] = lambda: NOW
    return app


def _wait_for_idle_pool(app, seconds: float = 10) -> int:
    deadline = time.monotonic() + seconds
    while (out := app.state.engine.pool.checkedout()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return out


@pytest.mark.slow
def test_four_times_the_pool_in_concurrent_requests_all_succeed(uncached_app):
    with serve(uncached_app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with ThreadPoolExecutor(max_workers=4 * DB_POOL_SIZE) as pool:
            statuses = list(
                pool.map(lambda i: http.get(PATHS[i % len(PATHS)]).status_code, range(256))
            )
        assert statuses == [200] * len(statuses)
        assert _wait_for_idle_pool(uncached_app) == 0


@pytest.mark.slow
def test_clients_hanging_up_mid_request_leak_no_connections(uncached_app):
    with serve(uncached_app) as url:
        port = int(url.rsplit(":", 1)[1])
        for i in range(8 * DB_POOL_SIZE):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                path = PATHS[i % len(PATHS)]
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            # closed at once, before the answer
        assert _wait_for_idle_pool(uncached_app) == 0
        # And the site still answers.
        assert httpx.get(url + "/", timeout=30).status_code == 200
