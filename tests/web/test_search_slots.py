"""A worker runs at most ``search_concurrency`` searches at once (http/search_slots.py): the
next one waits for a slot before its endpoint starts, while pages that are not searches are
served as usual."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from members import NOW
from paperfeed.app import create_app
from paperfeed.http.deps import get_now


def test_a_search_beyond_the_slots_waits_and_other_pages_are_served(settings, paper_factory):
    paper_factory(title="Slots for searches")
    app = create_app(
        settings.model_copy(update={"search_concurrency": 1, "response_cache_seconds": 0})
    )
    app.dependency_overrides[get_now] = lambda: NOW
    started, release = threading.Event(), threading.Event()
    entered: list[str] = []
    with TestClient(app) as client:
        backend = app.state.search
        real = backend.search

        def held(session, query, *args, **kwargs):
            entered.append(query.units[0][0])
            started.set()
            assert release.wait(10)
            return real(session, query, *args, **kwargs)

        backend.search = held  # the keyword leg of every search blocks until released
        answers: dict[str, int] = {}

        def get(q: str) -> None:
            answers[q] = client.get(f"/search?q={q}&mode=keyword").status_code

        first = threading.Thread(target=get, args=("slots",))
        first.start()
        assert started.wait(10)
        second = threading.Thread(target=get, args=("searches",))
        second.start()
        time.sleep(0.5)
        assert entered == ["slots"]  # the second search has not started: no slot
        assert client.get("/?date=2026-11-20").status_code == 200  # the feed is not queued
        release.set()
        first.join(10)
        second.join(10)
    assert answers == {"slots": 200, "searches": 200}
    assert entered == ["slots", "searches"]  # the second ran once the first gave its slot back
