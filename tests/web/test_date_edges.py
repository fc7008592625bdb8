"""Dates at the edge of the calendar (issue 12 item 7): the first and last representable
days, week 53, month 12 of year 9999, year 1, on every route that reads a date. Windows
around such a day (its end, its week, the neighbour periods, the day after a search's
``to``) used to overflow: a 500 and a traceback. Now a day outside 0002-01-01..9998-12-31
is a 400 "out of range"; the days at the edges of that range are served."""

from __future__ import annotations

import logging
from datetime import date

import pytest

OUT = ["9999-12-31", "9999-12-30", "9999-01-01", "0001-01-01", "0001-12-31"]
OUT_WEEKS = ["9999-W52", "9999-W01", "0001-W01", "0001-W52"]
OUT_MONTHS = ["9999-12", "9999-01", "0001-01", "0001-12"]
NO_SUCH = {"week": ["9999-W53", "0001-W53"], "month": ["9999-13", "0000-12"]}  # invalid
EDGE = {
    "date": ["9998-12-31", "0002-01-01"],
    "week": ["9998-W52", "0002-W02"],  # 0002-W01 begins on 0001-12-31,
    "month": ["9998-12", "0002-01"],
}
PERIODS = {"date": OUT, "week": OUT_WEEKS, "month": OUT_MONTHS}
SEARCHES = ["/search", "/api/papers/search", "/feeds/search.rss", "/feeds/search.atom"]


@pytest.fixture
def client(client, paper_factory, caplog):
    paper_factory(arxiv_id="2611.00001", title="A paper on edges", feed_day=date(2026, 11, 20))
    caplog.set_level(logging.ERROR)
    yield client
    unhandled = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert unhandled == [], [r.getMessage() for r in unhandled]


def _refused(r, name: str):
    assert r.status_code == 400, (r.request.url, r.status_code, r.text[:300])
    text = r.json()["error"] if "json" in r.headers["content-type"] else r.text
    assert "out of range" in text, text[:300]
    assert name in text


@pytest.mark.parametrize("name", ["date", "week", "month"])
def test_periods_past_the_calendar_are_a_400(client, name):
    for value in PERIODS[name]:
        _refused(client.get("/papers", params={name: value}), name)
        _refused(client.get(f"/papers/{name}/{value}"), name)  # HF's path style, redirected
        for sort in ("upvotes", "trending"):
            r = client.get("/api/daily_papers", params={name: value, "sort": sort})
            _refused(r, name)
    for value in NO_SUCH.get(name, []):
        assert client.get("/papers", params={name: value}).status_code == 400
        assert client.get("/api/daily_papers", params={name: value}).status_code == 400


@pytest.mark.parametrize("name", ["date", "week", "month"])
def test_periods_at_the_edges_of_the_range_are_served(client, name):
    for value in EDGE[name]:
        page = client.get("/papers", params={name: value})
        assert page.status_code == 200, (value, page.text[:300])
        assert "No papers" in page.text or "no papers" in page.text.lower()
        api = client.get("/api/daily_papers", params={name: value, "sort": "trending"})
        assert api.status_code == 200 and api.json() == []


@pytest.mark.parametrize("path", SEARCHES)
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_search_dates_past_the_calendar_are_a_400(client, path, mode):
    for name in ("from", "to"):
        for value in OUT:
            r = client.get(path, params={"q": "edges", "mode": mode, name: value})
            if path == "/search":
                assert "html" in r.headers["content-type"]
            _refused(r, name)


@pytest.mark.parametrize("path", SEARCHES)
def test_search_dates_at_the_edges_are_served(client, path):
    r = client.get(path, params={"q": "edges", "from": "0002-01-01", "to": "9998-12-31"})
    assert r.status_code == 200, r.text[:300]
    assert "2611.00001" in r.text
