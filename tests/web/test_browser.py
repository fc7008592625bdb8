"""A real browser (headless Chromium through Playwright) against the real app under uvicorn.

Screenshots go to ``test-output/`` at the repository root (git-ignored): look at them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from browser import BROWSER_MARKS, OUTPUT
from live_server import serve
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

pytestmark = BROWSER_MARKS

PROJEKTOR = (
    "Traditionally, data selection has been studied in settings where all samples from "
    "prospective sources are fully revealed to a machine learning developer. This paper "
    "proposes a framework called <projektor>, which predicts model performance and supports "
    "data selection decisions based on partial samples of prospective data sources.\n\n"
    "Evaluation over a diverse range of applications demonstrates that <projektor> "
    "significantly improves existing performance scaling approaches in terms of both the "
    "accuracy of performance inference and the computation costs associated with "
    "constructing the performance predictor."
)
PAPERS = [
    dict(
        arxiv_id="2307.02460",
        title="Performance Scaling via Optimal Transport: Enabling Data Selection from "
        "Partially Revealed Sources",
        abstract=PROJEKTOR,
        authors=("Feiyang Kang", "Hoang Anh Just", "Anit Kumar Sahu", "Ruoxi Jia"),
        categories=("cs.LG", "stat.ML"),
        published_at=datetime(2023, 7, 5, tzinfo=UTC),
        feed_day=date(2026, 11, 20),
        upvotes=31,
        github_repo="https://github.com/example/projektor",
        github_stars=1234,
        submitted_by="akhaliq",
    ),
    dict(
        arxiv_id="2411.08842",
        title="AstroM$^3$: A self-supervised multimodal model for astronomy",
        abstract="While machine-learned models are now routinely employed to facilitate "
        "astronomical inquiry, model inputs tend to be limited to a primary data source. " * 4,
        authors=("Mariia Rizhko", "Joshua S. Bloom"),
        categories=("astro-ph.IM", "cs.LG"),
        published_at=datetime(2024, 11, 13, tzinfo=UTC),
        feed_day=date(2026, 11, 20),
        upvotes=12,
    ),
    dict(
        arxiv_id="2603.00001",
        title="Differential privacy representation geometry for medical image analysis",
        abstract="Differential privacy (DP)'s effect in medical imaging is typically evaluated "
        "only through end-to-end performance, leaving the mechanism unclear.",
        authors=("A. Researcher", "B. Researcher", "C. Researcher", "D. Researcher"),
        categories=("cs.CV",),
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        feed_day=date(2026, 11, 19),
        upvotes=8,
    ),
    dict(
        arxiv_id="2108.04392",
        title="Rethinking Architecture Selection in Differentiable NAS",
        abstract="Differentiable Neural Architecture Search is one of the most popular Neural "
        "Architecture Search (NAS) methods for its search efficiency and simplicity. " * 5,
        authors=(
            "Ruochen Wang",
            "Minhao Cheng",
            "Xiangning Chen",
            "Xiaocheng Tang",
            "Cho-Jui Hsieh",
        ),
        categories=("cs.LG",),
        published_at=datetime(2021, 8, 9, tzinfo=UTC),
        feed_day=date(2026, 11, 19),
        upvotes=20,
        submitted_by="curator",
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The real app under uvicorn on a free port, over a SQLite database with papers on two days."""
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'paperfeed.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(make_sessionmaker(engine)) as session:
        records = [PaperRecord.build(**fields) for fields in PAPERS]
        report = upsert_records(session, records, source="test", now=NOW)
    assert not report.failed, report.failed
    engine.dispose()

    app = create_app(Settings(database_url=url, index_dir=tmp / "index", _env_file=None))
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        yield url


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_read_the_feed_go_back_a_day_search_and_open_a_paper(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(base_url + "/")
    assert page.locator(".period-label").inner_text() == "Nov 20"
    cards = page.locator("article.card")
    assert cards.count() == 2
    assert "Performance Scaling" in cards.nth(0).inner_text()  # 31 upvotes first
    assert "<projektor>" in cards.nth(0).locator("details").inner_text()
    # the title's LaTeX (AstroM$^3$) is typeset as MathML, not shown as dollars
    astro = cards.filter(has_text="A self-supervised").locator(".card-title")
    assert astro.locator("math msup").count() == 1 and "$^" not in astro.inner_text()
    page.screenshot(path=OUTPUT / "feed.png", full_page=True)

    # the abstract expands in place
    cards.nth(0).locator("summary").click()
    assert cards.nth(0).locator("details").get_attribute("open") is not None
    assert "constructing the performance predictor" in cards.nth(0).inner_text()

    page.get_by_role("link", name="Nov 19").first.click()
    page.wait_for_url("**/papers?date=2026-11-19")
    assert page.locator(".period-label").inner_text() == "Nov 19"
    assert "Rethinking Architecture Selection" in page.locator("article.card").first.inner_text()
    page.screenshot(path=OUTPUT / "feed-previous-day.png", full_page=True)

    page.locator("#header-q").fill("architecture selection")
    page.locator("#header-q").press("Enter")
    page.wait_for_url("**/search?q=architecture+selection")
    assert "for architecture selection" in page.locator(".search-summary").inner_text()
    assert "Rethinking Architecture" in page.locator("article.card").first.inner_text()
    page.screenshot(path=OUTPUT / "search.png", full_page=True)

    page.get_by_role("link", name="Rethinking Architecture Selection in Differentiable NAS").click()
    page.wait_for_url("**/papers/2108.04392")
    assert (
        page.locator("h1").inner_text() == "Rethinking Architecture Selection in Differentiable NAS"
    )
    assert page.get_by_role("link", name="Cho-Jui Hsieh").is_visible()
    copy = page.get_by_role("button", name="Copy")
    assert copy.is_visible()  # shown only when JS runs
    copy.click()
    expect(page.locator("button.copy")).to_have_text("Copied!")  # no wait_for_function: CSP
    assert page.evaluate("navigator.clipboard.readText()").startswith("@misc{wang2021rethinking,")
    page.screenshot(path=OUTPUT / "paper.png", full_page=True)
    assert errors == []
    context.close()


def test_phone_width(browser, base_url):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(base_url + "/")
    assert no_horizontal_scroll(page)
    assert page.locator("#header-q").is_visible()
    page.screenshot(path=OUTPUT / "feed-375.png", full_page=True)
    page.goto(base_url + "/papers/2307.02460")
    assert no_horizontal_scroll(page)
    page.screenshot(path=OUTPUT / "paper-375.png", full_page=True)
    context.close()


def test_works_without_javascript(browser, base_url):
    context = browser.new_context(
        viewport={"width": 1024, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(base_url + "/papers?date=2026-11-20")
    page.locator("article.card summary").first.click()
    assert (
        "constructing the performance predictor" in page.locator("article.card").first.inner_text()
    )
    page.get_by_role("link", name="Week").click()
    page.wait_for_url("**/papers?week=2026-W47")
    assert page.locator("article.card").count() == 4
    page.screenshot(path=OUTPUT / "week-no-js.png", full_page=True)
    page.goto(base_url + "/papers/2307.02460")
    assert not page.get_by_role("button", name="Copy").is_visible()
    assert "@misc{kang2023performance," in page.locator("#bibtex").inner_text()
    context.close()
