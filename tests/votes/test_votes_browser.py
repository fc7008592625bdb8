"""A real browser (headless Chromium through Playwright): log in, upvote a card and see the
count change without a reload, take it back; without JavaScript the form still works."""

from __future__ import annotations

from datetime import date

import pytest
from votes_helpers import PASSWORD, counts, make_member

from browser import BROWSER_MARKS, OUTPUT, wait_for_count
from live_server import serve
from paperfeed.app import create_app

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]


@pytest.fixture
def site(settings, paper_factory, session_factory):
    paper = paper_factory(feed_day=date(2026, 11, 20), upvotes=41, title="A paper to upvote")
    make_member(session_factory, "ada")
    with serve(create_app(settings)) as url:
        yield url, paper


def _log_in(page, url):
    page.goto(url + "/login")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/")


@pytest.mark.parametrize("javascript", [True, False])
def test_upvote_in_the_browser(browser, site, session_factory, javascript):
    url, paper = site
    page = browser.new_context(java_script_enabled=javascript).new_page()
    page.goto(url + "/")
    page.click(f"[id='paper-{paper}'] a.votes")  # anonymous: the box asks to log in
    assert "/login?next=" in page.url
    _log_in(page, url)
    button = page.locator(f"[id='paper-{paper}'] button.votes")
    assert button.get_attribute("aria-pressed") == "false"
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    button.click()
    wait_for_count(page, paper, 42)
    button = page.locator(f"[id='paper-{paper}'] button.votes")
    assert button.get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.notReloaded === true") is javascript
    page.screenshot(path=str(OUTPUT / f"votes-upvoted-js-{javascript}.png"))
    assert counts(session_factory, paper) == (42, 41, 1)
    button.click()  # take it back
    wait_for_count(page, paper, 41)
    assert page.locator(f"[id='paper-{paper}'] button.votes").get_attribute("aria-pressed") == (
        "false"
    )
    assert counts(session_factory, paper) == (41, 41, 0)
