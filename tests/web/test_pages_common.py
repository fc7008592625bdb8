"""What every page has: phone-width viewport, header with search, the subscribe box."""

from __future__ import annotations

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
    assert "<fieldset disabled>" not in html
    assert '<form action="/subscribe" method="get" class="subscribe-form">' in html  # anonymous
    assert '<link rel="stylesheet" href="/static/app.css' in html


def test_the_subscribe_box_opens_the_full_form(client):
    r = client.get("/subscribe", params={"email": "reader@example.org", "period": "weekly"})
    assert r.status_code == 200
    assert 'name="csrf_token"' in r.text and 'value="reader@example.org"' in r.text


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
