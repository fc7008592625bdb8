"""What every page has: phone-width viewport, header with search, the honest subscribe box."""

from __future__ import annotations

import re
from datetime import date

import pytest

PAGES = ["/", "/papers?date=2026-11-20", "/papers?month=2026-11", "/papers/2611.00001"]


@pytest.fixture
def one_paper(paper_factory):
    return paper_factory(arxiv_id="2611.00001", feed_day=date(2026, 11, 20))


@pytest.mark.parametrize("path", [*PAGES, "/papers/2611.99999", "/papers?date=nope"])
def test_every_page_has_viewport_header_and_subscribe_box(client, one_paper, path):
    html = client.get(path).text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<form class="header-search" action="/search" method="get"' in html
    assert "Daily Papers" in html
    assert "Get trending papers in your email inbox!" in html
    assert "<fieldset disabled>" in html  # the form cannot be sent ...
    assert "Email digests are coming soon" in html  # ... and says why
    assert '<link rel="stylesheet" href="/static/app.css' in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_subscribe_route_says_it_is_not_available_yet(client, method):
    # A POST needs the browser's CSRF token like every form (tests/accounts); a page with a
    # form gives one.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    data = {"csrf_token": token} if method == "post" else None
    r = client.request(method.upper(), "/subscribe", data=data)
    assert r.status_code == 501
    assert "not available yet on this instance" in r.text
    assert "nobody has been subscribed" in r.text


def test_static_files_are_served(client):
    css = client.get("/static/app.css")
    assert css.status_code == 200 and "@media (max-width" in css.text
    assert "@import" not in css.text and "http" not in css.text  # no external fonts or CDNs
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "clipboard" in js.text


def test_pages_do_not_load_anything_from_other_hosts(client, one_paper):
    for path in PAGES:
        html = client.get(path).text
        assert 'src="http' not in html and 'stylesheet" href="http' not in html
