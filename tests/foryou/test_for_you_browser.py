"""For you in a real browser (headless Chromium through Playwright), with and without
JavaScript: "not interested" hides a card and Undo brings it back, "more like this" toggles,
moving the mix slider stores the mix and re-ranks. With JavaScript nothing reloads for the
feedback; without it every form posts and the page comes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from foryou_helpers import DAY, NOW, make_account, stored_prefs
from playwright.sync_api import expect

from browser import BROWSER_MARKS, OUTPUT, screenshot_on_failure
from live_server import serve
from members import PASSWORD
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.library.follows import follow_category
from paperfeed.store.db import session_scope

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]


@pytest.fixture
def site(settings, paper_factory, session_factory):
    posted = NOW - timedelta(hours=2)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    mine = paper_factory(title="Parsing with care", categories=("cs.CL",), **common)
    hot = paper_factory(title="Seeing far", categories=("cs.CV",), upvotes=40, **common)
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as session:
        follow_category(session, ada.id, "cs.CL", now=NOW)
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        yield url, ada, mine, hot


def _log_in(page, url):
    page.goto(url + "/login?next=/for-you")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/for-you")


def _order(page) -> list[str]:
    return page.locator(".for-you-item:not([hidden])").evaluate_all(
        "items => items.map(i => i.dataset.arxivId)"
    )


def _set_mix(page, percent: int, javascript: bool):
    """Move the slider; with JavaScript the form is sent by itself, without it by Apply."""
    with page.expect_navigation():
        page.locator("#mix").fill(str(percent))  # sets the value, fires input and change
        if not javascript:
            page.click("#for-you-settings button.apply")
    expect(page.locator("#mix")).to_have_value(str(percent))


@pytest.mark.parametrize("javascript", [True, False])
def test_for_you_in_the_browser(browser, site, session_factory, javascript):
    url, ada, mine, hot = site
    page = browser.new_context(java_script_enabled=javascript).new_page()
    with screenshot_on_failure(page, f"for-you-js-{javascript}"):
        _log_in(page, url)
        expect(page.locator(f"[id='for-you-{mine}'] .reason")).to_have_text(
            "Because you follow cs.CL"
        )
        assert page.locator("button.apply").is_visible() is not javascript

        _set_mix(page, 0, javascript)  # only the community: the upvoted paper first
        expect(page.locator(".for-you-item").first).to_have_attribute("data-arxiv-id", hot)
        assert stored_prefs(session_factory, ada.id).mix == 0.0
        _set_mix(page, 100, javascript)  # only mine: the followed category first
        expect(page.locator(".for-you-item").first).to_have_attribute("data-arxiv-id", mine)
        assert stored_prefs(session_factory, ada.id).mix == 1.0

        page.evaluate("window.notReloaded = true") if javascript else None
        page.click(f"[id='for-you-{hot}'] button.feedback-not")
        expect(page.locator(".undo-notice")).to_contain_text("Seeing far")
        assert _order(page) == [mine]
        page.screenshot(path=str(OUTPUT / f"for-you-dismissed-js-{javascript}.png"))
        page.click(".undo-notice button")
        expect(page.locator(f"[id='for-you-{hot}']")).to_be_visible()
        expect(page.locator(".undo-notice")).to_have_count(0)

        more = page.locator(f"[id='for-you-{mine}'] button.feedback-more")
        more.click()
        expect(page.locator(f"[id='for-you-{mine}'] button.feedback-more")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.locator(f"[id='for-you-{mine}'] button.feedback-more").click()
        expect(page.locator(f"[id='for-you-{mine}'] button.feedback-more")).to_have_attribute(
            "aria-pressed", "false"
        )
        if javascript:
            assert page.evaluate("window.notReloaded === true")
