"""A real browser (headless Chromium through Playwright): log in, upvote a card and see the
count change without a reload, take it back; without JavaScript the form still works."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from votes_helpers import PASSWORD, counts, make_member

from live_server import serve
from paperfeed.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]


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


def _count_is(paper: str, n: int) -> str:
    selector = json.dumps(f"[id='paper-{paper}'] .count")
    return f"document.querySelector({selector}).textContent === '{n}'"


@pytest.mark.parametrize("javascript", [True, False])
def test_upvote_in_the_browser(site, session_factory, javascript):
    from playwright.sync_api import sync_playwright

    url, paper = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=javascript).new_page()
        page.goto(url + "/")
        page.click(f"[id='paper-{paper}'] a.votes")  # anonymous: the box asks to log in
        assert "/login?next=" in page.url
        _log_in(page, url)
        button = page.locator(f"[id='paper-{paper}'] button.votes")
        assert button.get_attribute("aria-pressed") == "false"
        page.evaluate("window.notReloaded = true")  # gone if the page reloads
        button.click()
        page.wait_for_function(_count_is(paper, 42))
        button = page.locator(f"[id='paper-{paper}'] button.votes")
        assert button.get_attribute("aria-pressed") == "true"
        assert page.evaluate("window.notReloaded === true") is javascript
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"votes-upvoted-js-{javascript}.png"))
        assert counts(session_factory, paper) == (42, 41, 1)
        button.click()  # take it back
        page.wait_for_function(_count_is(paper, 41))
        assert page.locator(f"[id='paper-{paper}'] button.votes").get_attribute("aria-pressed") == (
            "false"
        )
        browser.close()
    assert counts(session_factory, paper) == (41, 41, 0)
