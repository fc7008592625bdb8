"""The real server under concurrent and abandoned requests: no connection is ever leaked.

Every request borrows one pooled database connection. A client that hangs up mid-request
(as load generators and impatient readers do) must not leave it checked out, or the pool
runs dry and the site stops answering.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator
from sqlalchemy import text

from live_server import serve
from members import make_account, signed_in
from paperfeed.app import DB_POOL_SIZE, create_app
from paperfeed.http.deps import ReadSession, ReleasingRoute, get_now
from paperfeed.store.db import make_sessionmaker

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
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
def test_api_under_concurrency_never_holds_connections_while_serialising(uncached_app):
    """FastAPI validates a sync route's return value in a second threadpool call; a request
    still holding its connection there, while every thread waits for a connection, would
    deadlock the server. Connections go back to the pool when the route returns."""
    with serve(uncached_app) as url, httpx.Client(base_url=url, timeout=20) as http:
        with ThreadPoolExecutor(max_workers=4 * DB_POOL_SIZE) as pool:
            statuses = list(
                pool.map(lambda i: http.get(f"/api/daily_papers?p={i % 3}").status_code, range(512))
            )
        assert statuses == [200] * len(statuses)


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


@pytest.mark.parametrize("releasing", [True, False])
def test_connection_is_back_in_the_pool_before_the_response_is_validated(engine, releasing):
    """FastAPI validates a sync endpoint's return value after the endpoint; by then the
    request's connection must be back in the pool (and with a plain route it is not)."""

    seen = []

    class Out(BaseModel):
        n: int

        @field_validator("n")
        @classmethod
        def record_pool(cls, value):
            seen.append(engine.pool.checkedout())
            return value

    kwargs = {"route_class": ReleasingRoute} if releasing else {}
    router = APIRouter(**kwargs)

    @router.get("/n", response_model=Out)
    def endpoint(session: ReadSession):
        return {"n": session.execute(text("SELECT 1")).scalar()}

    app = FastAPI()
    app.state.sessions = make_sessionmaker(engine)
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/n").json() == {"n": 1}
    assert seen == ([0] if releasing else [1])


def test_member_pages_held_connections_leave_the_requests_and_legs_their_share(
    settings, paper_factory, session_factory
):
    """Member pages hold two pooled connections for good once a member is served; the pool
    must still have one for each request thread, or concurrent requests would wait on the
    pool (a hybrid search's semantic leg runs on its request's own session)."""
    paper_factory(feed_day=NOW.date())
    make_account(session_factory, "ada")
    app = create_app(settings)  # the response cache on, as deployed: member pages in front
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as client:
        signed_in(client, "ada")
        for _ in range(3):  # a member page, then its kept and shared renders
            assert client.get("/").status_code == 200
        pool = app.state.engine.pool
        assert pool.checkedout() >= 1  # held
        assert pool.size() - pool.checkedout() >= DB_POOL_SIZE
