"""Route order does not matter (issue 14, item 3): paper ids in paths are matched by the
``arxiv_id`` path convertor, not by greedy ``{...:path}`` parameters, so the app answers every
request with the same route whatever order the routes are tried in. The app is built twice:
as create_app makes it, and with every router's routes (and the app's own list) reversed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from members import NOW, app_routes, fill_path, route_values
from paperfeed.app import create_app
from paperfeed.arxiv_ids import match_arxiv_id
from paperfeed.http.arxiv_path import ArxivIdConvertor
from paperfeed.http.deps import get_now

PAPER, OLD = "2406.12345", "hep-th/9901001"
# The shapes that greedy parameters used to confuse, plus malformed ids.
TRICKY = [
    ("GET", "/papers/trending"),
    ("GET", f"/papers/{PAPER}"),
    ("GET", f"/papers/{PAPER}v2"),
    ("GET", f"/papers/arXiv:{PAPER}"),
    ("GET", f"/papers/{OLD}"),
    ("GET", f"/papers/{OLD}v3"),
    ("GET", "/papers/math.GT/0309136v1"),
    ("GET", "/papers/date/2026-11-20"),
    ("GET", "/papers/week/2026-W47"),
    ("GET", "/papers/date/2026112"),  # an old-style id in shape, but "date" is no archive
    ("GET", "/papers/not-an-id"),
    ("GET", "/papers/1/2/3"),
    ("GET", "/api/papers/search?q=attention"),
    ("GET", f"/api/papers/{PAPER}"),
    ("GET", f"/api/papers/{OLD}"),
    ("GET", f"/api/papers/{PAPER}/comments"),
    ("GET", f"/api/papers/{OLD}/comments"),
    ("GET", f"/api/papers/{PAPER}/similar"),
    ("GET", "/api/papers/not-an-id"),
    ("GET", "/api/papers/not-an-id/similar"),
    ("GET", f"/api/papers/{PAPER}/nothing-here"),
    ("GET", "/api/daily_papers"),
    ("POST", "/api/papers/submit"),
    ("POST", f"/api/papers/{PAPER}/upvote"),
    ("POST", f"/api/papers/{OLD}/comments"),
    ("POST", "/api/papers/not-an-id/claims"),
    ("POST", f"/api/admin/papers/{OLD}/hide"),
    ("POST", f"/papers/{PAPER}/upvote"),
    ("POST", f"/papers/{OLD}/comments"),
    ("POST", "/papers/not-an-id/claim"),
]


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"response_cache_seconds": 0})  # every request routed


class SeenEndpoint:
    """Outermost ASGI middleware: records the endpoint the router chose for each request."""

    def __init__(self, app, seen: list):
        self.app, self.seen = app, seen

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            endpoint = scope.get("endpoint")
            self.seen.append(endpoint and f"{endpoint.__module__}.{endpoint.__qualname__}")


def _routers(routes):
    for route in routes:
        if hasattr(route, "original_router"):
            yield route.original_router
            yield from _routers(route.original_router.routes)


def _requests(app) -> list[tuple[str, str]]:
    found = []
    for route in app_routes(app):
        if "GET" in route.methods:
            found.append(("GET", fill_path(route.path, route_values(PAPER))))
    return list(dict.fromkeys(found + TRICKY))


def _answers(app, requests) -> dict:
    seen: list = []
    app.dependency_overrides[get_now] = lambda: NOW
    app.add_middleware(SeenEndpoint, seen=seen)
    answers = {}
    with TestClient(app) as client:
        for method, path in requests:
            r = client.request(method, path, follow_redirects=False)
            answers[method, path] = (r.status_code, seen[-1], r.headers.get("content-type"))
    return answers


def test_reversed_route_order_answers_every_request_the_same(settings, paper_factory, monkeypatch):
    paper_factory(arxiv_id=PAPER)
    paper_factory(arxiv_id=OLD)
    normal = create_app(settings)
    requests = _requests(normal)
    assert len(requests) > 60
    expected = _answers(normal, requests)

    routers = {id(r): r for r in _routers(normal.router.routes)}.values()
    for router in routers:  # module-level objects: monkeypatch restores them after the test
        monkeypatch.setattr(router, "routes", list(reversed(router.routes)))
    backwards = create_app(settings)
    backwards.router.routes.reverse()  # the app's own list: routers, /static, /openapi.json
    assert _answers(backwards, requests) == expected

    # And the answers are the right ones, not merely the same.
    def endpoint(method, path):
        return expected[method, path][1].rsplit(".", 2)[-2:]

    assert endpoint("GET", "/papers/trending") == ["vote_pages", "trending_page"]
    assert endpoint("GET", f"/papers/{OLD}") == ["pages", "paper"]
    assert endpoint("GET", "/papers/date/2026112") == ["pages", "hf_period_path"]
    assert endpoint("GET", f"/api/papers/{OLD}/comments")[0] == "community_routes"
    assert endpoint("GET", "/api/papers/search?q=attention")[0] == "routes"
    assert expected["POST", "/api/papers/submit"][1].split(".")[-2] == "community_routes"


@pytest.mark.parametrize(
    "text",
    [
        "2406.12345",
        "2406.12345v2",
        "0704.0001",
        "1412.9999v12",
        "hep-th/9901001",
        "hep-th/9901001v3",
        "math.GT/0309136",
        "math.GT/0309136v1",
        "cond-mat/0001001",
        "arXiv:2406.12345",
        "ARXIV:hep-th/9901001",
    ],
)
def test_the_convertor_takes_every_id_shape(text):
    assert re.fullmatch(ArxivIdConvertor.regex, text)
    assert match_arxiv_id(text) is not None  # and the vocabulary agrees
    assert ArxivIdConvertor().to_string(ArxivIdConvertor().convert(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "trending",
        "search",
        "submit",
        "date/2026112",
        "week/2026112",
        "month/2026112",
        "2406.123",
        "2406.123456",
        "2406.12345v",
        "2406.12345/comments",
        "hep-th/990100",
        "hep-th/99010012",
        "Hep-th/9901001",
        "math.gt/0309136",
        "not-an-id",
        "1/2/3",
        "https://arxiv.org/abs/2406.12345",
        "arXiv: 2406.12345",
        "",
    ],
)
def test_the_convertor_takes_nothing_else(text):
    assert not re.fullmatch(ArxivIdConvertor.regex, text)


def test_a_malformed_id_is_a_clear_answer_on_every_surface(client):
    # The API and the pages' actions: 400 with the vocabulary's message, JSON under /api.
    for method, path in [
        ("GET", "/api/papers/not-an-id"),
        ("GET", "/api/papers/not-an-id/similar"),
        ("GET", "/api/papers/not-an-id/comments"),
        ("POST", "/api/papers/not-an-id/upvote"),
        ("POST", "/api/admin/papers/not-an-id/hide"),
    ]:
        r = client.request(method, path)
        assert r.status_code == 400, (method, path, r.text)
        assert r.json() == {
            "ok": False,
            "error": "'not-an-id' is not an arXiv id; expected e.g. 2406.12345, 2406.12345v2, "
            "hep-th/9901001 or https://arxiv.org/abs/2406.12345",
            "status": 400,
        }
    # A page asked for by its address: Not found, saying why.
    r = client.get("/papers/not-an-id")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "is not an arXiv id" in r.text
    # A good id with a sub-resource nobody serves: nothing there, not a bad id.
    r = client.get(f"/api/papers/{PAPER}/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"] == f"Nothing at /api/papers/{PAPER}/nothing-here"
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["ok"] is False
