"""A real browser (headless Chromium through Playwright): follow a category from a paper
page and a search from the search page without a reload, see them on the Following page,
unfollow; without JavaScript the same buttons work as forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from browser import BROWSER_MARKS, screenshot_on_failure
from live_server import serve
from members import PASSWORD, make_account
from paperfeed.app import create_app
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Follow

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]


@pytest.fixture
def site(settings, paper_factory, session_factory):
    paper = paper_factory(title="A paper about graph diffusion", categories=("cs.LG", "cs.CL"))
    make_account(session_factory, "ada")
    with serve(create_app(settings)) as url:
        yield url, paper


def keys(session_factory) -> list[str]:
    with session_scope(session_factory, write=False) as s:
        return sorted(s.scalars(select(Follow.key)))


@pytest.mark.parametrize("javascript", [True, False])
def test_follow_and_unfollow_in_the_browser(browser, site, session_factory, javascript):
    url, paper = site
    page = browser.new_context(java_script_enabled=javascript).new_page()
    with screenshot_on_failure(page, f"follows-js-{javascript}"):
        page.goto(url + "/login")
        page.fill("input[name=login]", "ada")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(url + "/")
        page.goto(f"{url}/papers/{paper}")
        page.evaluate("window.notReloaded = true")  # gone if the page reloads
        button = page.locator("dd.categories button[data-label='cs.CL']")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        page.wait_for_selector("dd.categories button[data-label='cs.CL'][aria-pressed=true]")
        assert page.evaluate("window.notReloaded === true") is javascript
        assert keys(session_factory) == ["cs.CL"]

        page.goto(url + "/search?q=graph+diffusion&mode=keyword")
        page.click("button[data-label='this search']")
        page.wait_for_selector("button[data-label='this search'][aria-pressed=true]")
        assert keys(session_factory) == ["cs.CL", "keyword:graph diffusion"]

        page.goto(url + "/following")
        because = page.locator("p.because").first.inner_text()
        assert because == "Because you follow cs.CL, graph diffusion"

        page.goto(f"{url}/papers/{paper}")
        page.click("dd.categories button[data-label='cs.CL']")  # unfollow
        page.wait_for_selector("dd.categories button[data-label='cs.CL'][aria-pressed=false]")
        assert keys(session_factory) == ["keyword:graph diffusion"]
        # Following again after an unfollow without a reload (the form's state moved on).
        page.click("dd.categories button[data-label='cs.CL']")
        page.wait_for_selector("dd.categories button[data-label='cs.CL'][aria-pressed=true]")
        assert keys(session_factory) == ["cs.CL", "keyword:graph diffusion"]


AXE = Path(__file__).resolve().parents[1] / "data" / "vendor" / "axe-core" / "axe.min.js"


def violations(page) -> list[str]:
    """axe-core's violations of any impact (as tests/web/test_browser_pages.py audits)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # evaluated, not a script tag: the CSP allows no inline
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>"
        " v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    return list(found)


def test_follow_pages_pass_axe(browser, site):
    url, paper = site
    audit_pages(browser.new_context().new_page(), url, paper)


def audit_pages(page, url: str, paper: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/")
    page.goto(f"{url}/papers/{paper}")
    page.click("dd.categories button[data-label='cs.CL']")
    page.wait_for_selector("dd.categories button[data-label='cs.CL'][aria-pressed=true]")
    found = []
    for path in (
        "/following",
        "/follows",
        f"/papers/{paper}",
        "/search?q=graph&author=Ada+Lovelace&category=cs.CL",
    ):
        page.goto(url + path)
        found += [f"{path}: {v}" for v in violations(page)]
    assert found == []
