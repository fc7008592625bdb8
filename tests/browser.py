"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

One place for the browser's path, flags and launch, the marks of a browser test, the
screenshot folder (``test-output/`` at the repository root, git-ignored: look at them) and a
screenshot of the page whenever a step fails. Test modules use the ``browser`` fixture
(``tests/conftest.py`` re-exports it) or :func:`launched`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"

# pytestmark of every browser test module (add pytest.mark.slow where it is)
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]


@contextmanager
def launched() -> Iterator:
    """A headless Chromium, closed on the way out."""
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def module_chromium():
    """One Chromium for the tests of a module (a launch costs seconds)."""
    with launched() as chromium:
        yield chromium


@pytest.fixture
def browser(module_chromium):
    """The module's Chromium; each test opens its own contexts, closed after it."""
    yield module_chromium
    for context in module_chromium.contexts:
        context.close()


@contextmanager
def screenshot_on_failure(page, name: str):
    """Keep a full-page screenshot, ``<name>-FAILED.png``, of a step that fails."""
    try:
        yield
    except BaseException:
        page.screenshot(path=OUTPUT / f"{name}-FAILED.png", full_page=True)
        raise


def wait_for_count(page, arxiv_id: str, n: int, *, within: str | None = None) -> None:
    """Wait until the paper's vote button shows ``n``. The button is looked for in the paper's
    card, or in the element ``within`` selects. A locator, not ``page.wait_for_function``:
    that evaluates a string in the page, which the site's CSP (no 'unsafe-eval') refuses."""
    from playwright.sync_api import expect

    scope = within or f"[id='paper-{arxiv_id}']"
    expect(page.locator(f"{scope} .count").first).to_have_text(str(n))
