"""Pages people expect, looked at in a real browser (headless Chromium through Playwright, the
app under uvicorn, both databases; issue 13, items 4 and 5): an axe-core audit of every main
page in both colour schemes, screenshots at 390 and 1280 px in both schemes with the layout
facts a reader would notice, the dark theme, and the feed's keyboard shortcuts.

Screenshots go to ``$PAPERFEED_SCREENSHOTS`` if set, else under pytest's tmp dir; they are not
committed. axe-core is the vendored ``tests/data/vendor/axe-core/axe.min.js`` (see its README).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser import BROWSER_MARKS, screenshot_on_failure, wait_for_count
from live_server import serve
from members import NOW, PASSWORD, make_account
from paperfeed.store.models import Paper

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[1] / "data" / "vendor" / "axe-core" / "axe.min.js"
MATH = "2611.00077"  # its title has $^2$: rendered as math, never shown as "$^"
TOP, SECOND = "2611.00071", "2611.00072"  # Nov 20, by upvotes
OLDER = "2611.00073"  # Nov 19
PUBLIC = [
    "/",
    "/papers?date=2026-11-19",
    f"/papers/{MATH}",
    "/search?q=attention",
    "/papers/trending",
    "/login",
    "/signup",
    "/reset",
    "/subscribe",
    "/users/ada",
]
SIGNED_IN = [
    "/",
    f"/papers/{MATH}",
    "/account",
    "/submit",
    "/admin",
    "/admin/moderation",
    "/admin/claims",
    "/admin/digests",
    "/admin/log",
]
THEMES = ["light", "dark"]
# The issue asks for no serious or critical violation; the pages have none of any impact, and
# the audit keeps it so.
FAIL_ON = {"critical", "serious", "moderate", "minor"}
WIDTHS = [390, 1280]


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False})


@pytest.fixture
def site(settings, paper_factory, session_factory):
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    paper_factory(
        arxiv_id=TOP,
        feed_day=date(2026, 11, 20),
        upvotes=41,
        title="Attention is all you need, again",
        abstract="We revisit attention. " * 40,
        github_repo="https://github.com/example/attention",
        github_stars=1234,
    )
    paper_factory(
        arxiv_id=MATH,
        feed_day=date(2026, 11, 20),
        upvotes=30,
        title="MVD$^2$: Efficient Multiview 3D Reconstruction for Multiview Diffusion",
        abstract="We reconstruct meshes in $O(n^2)$ time with attention over $\\alpha$ views.",
    )
    paper_factory(arxiv_id=SECOND, feed_day=date(2026, 11, 20), upvotes=3, title="A third one")
    paper_factory(arxiv_id=OLDER, feed_day=date(2026, 11, 19), upvotes=5, title="Yesterday's")
    make_account(session_factory, "ada", role="admin")
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        yield url


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PAPERFEED_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _context(browser, *, width: int = 1280, theme: str = "light"):
    return browser.new_context(
        viewport={"width": width, "height": 900 if width > 600 else 844},
        color_scheme=theme,
        device_scale_factor=1,
        is_mobile=width < 600,
        has_touch=width < 600,
    )


def _log_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


def _audit(page) -> list[str]:
    """axe-core's violations of the page (of an impact in FAIL_ON), one line per node.

    ``page.evaluate`` of the source, not ``add_script_tag``: the site's CSP refuses an inline
    script element, but an expression Playwright evaluates through the DevTools protocol is
    not the page's script and is not checked against the policy."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help,"
        "nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} | {node}"
        for v in result
        if v["impact"] in FAIL_ON
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("theme", THEMES)
def test_every_main_page_passes_axe_with_no_violation(browser, site, theme, backend):
    context = _context(browser, theme=theme)
    page = context.new_page()
    found: list[str] = []
    for path in PUBLIC:
        page.goto(site + path)
        found += [f"{path}: {line}" for line in _audit(page)]
    _log_in(page, site)
    for path in SIGNED_IN:
        page.goto(site + path)
        found += [f"{path} (signed in): {line}" for line in _audit(page)]
    context.close()
    assert found == [], "\n".join(found)


# Layout facts, measured in the page. A radio sits right before its label's words: within
# RADIO_GAP px of the first text, on the same line. A label[for] is at most LABEL_GAP px from its
# field (above it or beside it).
RADIO_GAP, LABEL_GAP = 12, 24
LAYOUT = """() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 2 && r.height > 2; };
  const radios = [...document.querySelectorAll('label input[type=radio]')].filter(visible).map((input) => {
    const label = input.closest('label');
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    let node; while ((node = walker.nextNode()) && !node.textContent.trim()) {}
    const range = document.createRange(); range.selectNodeContents(node);
    const text = range.getClientRects()[0], box = input.getBoundingClientRect();
    return {name: input.value, width: box.width, gap: text.left - box.right,
            dy: Math.abs((text.top + text.bottom) / 2 - (box.top + box.bottom) / 2)};
  });
  const labels = [...document.querySelectorAll('label[for]')].filter(visible).map((label) => {
    const field = document.getElementById(label.htmlFor);
    if (!field || !visible(field)) return null;
    const a = label.getBoundingClientRect(), b = field.getBoundingClientRect();
    const dx = Math.max(0, b.left - a.right, a.left - b.right);
    const dy = Math.max(0, b.top - a.bottom, a.top - b.bottom);
    return {name: label.htmlFor, gap: Math.hypot(dx, dy)};
  }).filter(Boolean);
  return {scroll: document.documentElement.scrollWidth - window.innerWidth, radios, labels,
          // BibTeX is LaTeX on purpose (it is copied into papers): code blocks do not count
          text: [...document.querySelectorAll('pre, code')].reduce(
            (text, el) => text.replace(el.innerText, ''), document.body.innerText),
          background: getComputedStyle(document.body).backgroundColor};
}"""
SHOTS = [
    ("feed", "/"),
    ("paper", f"/papers/{MATH}"),
    ("search", "/search?q=attention"),
    ("trending", "/papers/trending"),
    ("login", "/login"),
    ("signup", "/signup"),
    ("subscribe", "/subscribe"),
]
SHOTS_SIGNED_IN = [("account", "/account"), ("admin", "/admin"), ("feed-signed-in", "/")]
BACKGROUND = {"light": "rgb(247, 248, 250)", "dark": "rgb(15, 17, 21)"}


def _layout_problems(page, name: str, theme: str) -> list[str]:
    facts = page.evaluate(LAYOUT)
    problems = []
    if facts["scroll"] > 0:
        problems.append(f"{name}: scrolls sideways by {facts['scroll']} px")
    for radio in facts["radios"]:
        if radio["width"] > 24 or not 0 <= radio["gap"] <= RADIO_GAP or radio["dy"] > 6:
            problems.append(f"{name}: radio {radio['name']} is not next to its label: {radio}")
    for label in facts["labels"]:
        if label["gap"] > LABEL_GAP:
            problems.append(f"{name}: label of #{label['name']} is {label['gap']:.0f} px away")
    if "$^" in facts["text"]:
        problems.append(f"{name}: literal $^ in the visible text (outside code)")
    if facts["background"] != BACKGROUND[theme]:
        problems.append(f"{name}: background {facts['background']} in the {theme} theme")
    return problems


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_lay_out_at_phone_and_desktop_widths(
    browser, site, shots, width, theme, backend
):
    """Screenshots of the main pages (look at them), and what a reader would notice measured:
    no sideways scroll, radios and labels next to their controls, no raw LaTeX, the theme."""
    context = _context(browser, width=width, theme=theme)
    page = context.new_page()
    problems: list[str] = []
    for name, path in SHOTS:
        page.goto(site + path)
        problems += _layout_problems(page, name, theme)
        page.screenshot(path=shots / f"{name}-{width}-{theme}-{backend}.png", full_page=True)
    _log_in(page, site)
    for name, path in SHOTS_SIGNED_IN:
        page.goto(site + path)
        problems += _layout_problems(page, name, theme)
        page.screenshot(path=shots / f"{name}-{width}-{theme}-{backend}.png", full_page=True)
    context.close()
    assert problems == [], "\n".join(problems)


def test_sidebar_digest_box_radios_sit_by_their_labels(browser, site, backend):
    """The reported bug: the digest box's radios floated away from "daily" and "weekly"."""
    context = _context(browser, width=1280)
    page = context.new_page()
    page.goto(site + "/")
    radios = page.evaluate(LAYOUT)["radios"]
    assert [r["name"] for r in radios] == ["daily", "weekly"]
    assert all(r["width"] <= 24 and 0 <= r["gap"] <= RADIO_GAP and r["dy"] <= 6 for r in radios)
    # and the email field and its button are one row
    field = page.locator("#subscribe-email").bounding_box()
    button = page.locator(".subscribe button").bounding_box()
    assert abs(field["y"] - button["y"]) <= 2 and button["x"] >= field["x"] + field["width"] - 1
    # and "you@example.org" is not cut off in it
    page.fill("#subscribe-email", "you@example.org")
    assert page.evaluate("(i => i.scrollWidth <= i.clientWidth)(document.activeElement)")
    context.close()


def test_feed_keyboard_shortcuts_move_open_and_upvote(
    browser, site, session_factory, shots, backend
):
    context = _context(browser, width=1280)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, site)
    current = page.locator("article.card.is-current")
    with screenshot_on_failure(page, f"keys-{backend}"):
        page.keyboard.press("?")
        help_box = page.locator("dialog#keys-help")
        expect(help_box).to_be_visible()
        assert "next paper" in help_box.inner_text()
        assert _audit(page) == []  # the open dialog passes too
        page.screenshot(path=shots / f"keys-help-{backend}.png")
        page.keyboard.press("Escape")
        expect(help_box).to_be_hidden()
        page.get_by_role("button", name="Keyboard shortcuts (?)").click()  # said in the footer
        expect(help_box).to_be_visible()
        page.keyboard.press("?")
        expect(help_box).to_be_hidden()

        page.keyboard.press("j")
        expect(current).to_have_attribute("id", f"paper-{TOP}")
        page.keyboard.press("j")
        expect(current).to_have_attribute("id", f"paper-{MATH}")
        page.keyboard.press("k")
        expect(current).to_have_attribute("id", f"paper-{TOP}")
        assert page.evaluate("document.activeElement.closest('article').id") == f"paper-{TOP}"

        # keys typed into a field stay in the field
        page.locator("#header-q").click()
        page.keyboard.type("jkhlu?[]")
        expect(page.locator("#header-q")).to_have_value("jkhlu?[]")
        expect(current).to_have_attribute("id", f"paper-{TOP}")
        expect(help_box).to_be_hidden()
        assert page.url == site + "/"
        page.locator("h1").click()

        page.keyboard.press("u")
        wait_for_count(page, TOP, 42)
        page.keyboard.press("o")
        page.wait_for_url(f"{site}/papers/{TOP}")
        page.go_back()
        page.keyboard.press("h")
        page.wait_for_url("**/papers?date=2026-11-19")
        page.keyboard.press("l")
        page.wait_for_url("**/papers?date=2026-11-20")
        page.keyboard.press("[")
        page.wait_for_url("**/papers?date=2026-11-19")
        page.keyboard.press("]")
        page.wait_for_url("**/papers?date=2026-11-20")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{site}/papers/{TOP}")
    context.close()
    assert errors == []
    with session_factory() as session:
        assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == TOP)) == 42


def test_math_in_titles_and_abstracts_is_markup_not_dollars(browser, site, backend):
    """The title MVD$^2$ and the abstract's $O(n^2)$ are rendered as math (MathML or KaTeX
    markup) on the feed and the paper page."""
    context = _context(browser, width=1280)
    page = context.new_page()
    page.goto(site + "/")
    card = page.locator(f"[id='paper-{MATH}']")
    assert "MVD" in card.locator(".card-title").inner_text()
    assert card.locator(".card-title math, .card-title .katex").count() >= 1
    page.goto(f"{site}/papers/{MATH}")
    assert page.locator("h1 math, h1 .katex").count() >= 1
    assert page.locator(".abstract-full math, .abstract-full .katex").count() >= 1
    assert "$" not in page.locator("h1").inner_text()
    context.close()
