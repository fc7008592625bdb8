"""A real browser (headless Chromium through Playwright): log in, save a card and see it
marked saved without a reload, unsave it; without JavaScript the same form saves through a
reload. Then the paper appears on /library."""

from __future__ import annotations

from datetime import date

import pytest
from library_helpers import PASSWORD, items_of, make_account

from browser import BROWSER_MARKS, OUTPUT
from live_server import serve
from paperfeed.app import create_app

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]


@pytest.fixture
def site(settings, paper_factory, session_factory):
    paper = paper_factory(feed_day=date(2026, 11, 20), title="A paper to save")
    account = make_account(session_factory, "ada")
    with serve(create_app(settings)) as url:
        yield url, paper, account


def _log_in(page, url):
    page.goto(url + "/login")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/")


def _wait_pressed(page, paper: str, pressed: str):
    page.wait_for_selector(
        f"[id='paper-{paper}'] button.save-button[aria-pressed='{pressed}']", timeout=10_000
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_save_in_the_browser(browser, site, session_factory, javascript):
    url, paper, account = site
    page = browser.new_context(java_script_enabled=javascript).new_page()
    page.goto(url + "/")
    page.click(f"[id='paper-{paper}'] a.save-button")  # anonymous: asks to log in
    assert "/login?next=" in page.url
    _log_in(page, url)
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    page.click(f"[id='paper-{paper}'] button.save-button")
    _wait_pressed(page, paper, "true")
    assert page.locator(f"[id='paper-{paper}'] .save-label").inner_text() == "Saved"
    assert page.evaluate("window.notReloaded === true") is javascript
    page.screenshot(path=str(OUTPUT / f"library-saved-js-{javascript}.png"))
    assert items_of(session_factory, account.id) == [("Saved", paper)]
    page.goto(url + "/library")
    assert "A paper to save" in page.content()
    page.goto(url + "/")
    page.click(f"[id='paper-{paper}'] button.save-button")
    _wait_pressed(page, paper, "false")
    assert items_of(session_factory, account.id) == []


def test_the_s_key_saves_the_selected_card(browser, site, session_factory):
    url, paper, account = site
    page = browser.new_context().new_page()
    _log_in(page, url)
    page.keyboard.press("j")
    page.keyboard.press("s")
    _wait_pressed(page, paper, "true")
    assert items_of(session_factory, account.id) == [("Saved", paper)]
    page.keyboard.press("s")
    _wait_pressed(page, paper, "false")
    assert items_of(session_factory, account.id) == []
