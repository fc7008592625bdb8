"""The community in a real browser (headless Chromium through Playwright) against the real app
under uvicorn: sign up with the emailed link (a real SMTP server, aiosmtpd on 127.0.0.1), log
in, upvote without a reload, submit a paper (the local fake arXiv API), comment, log out.

Runs on both databases. Upvoting without JavaScript (the form POST) is covered by
``tests/votes/test_votes_browser.py``. Screenshots go to ``test-output/`` at the repository
root (git-ignored), and one is taken of the page whenever a step fails.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for helpers in ("accounts", "community", "ingest"):  # Inbox, atom_entry, FakeServer
    sys.path.insert(0, str(TESTS / helpers))

from accounts_helpers import Inbox, free_port  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from community_helpers import NOW, atom_entry  # noqa: E402
from fake_server import FakeServer  # noqa: E402
from sqlalchemy import select  # noqa: E402

from browser import BROWSER_MARKS, OUTPUT, screenshot_on_failure, wait_for_count  # noqa: E402
from live_server import serve  # noqa: E402
from paperfeed.store.models import Paper  # noqa: E402

PASSWORD = "a long browser password"
VOTED = "2611.00042"  # on the feed with 41 upvotes
SUBMITTED = "2611.54321"  # only at the fake arXiv until submitted

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller
    controller.stop()


@pytest.fixture
def arxiv():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def settings(settings, smtp, arxiv):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp[1].port,
            "smtp_security": "none",
            "arxiv_api_url": f"{arxiv.url}/api/query",
            "http_retries": 1,
        }
    )


@pytest.fixture
def site(settings, paper_factory, arxiv):
    """The app under uvicorn, its clock pinned to ``NOW``; emailed links point at it."""
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    paper_factory(
        arxiv_id=VOTED, feed_day=date(2026, 11, 20), upvotes=41, title="A paper to upvote"
    )
    arxiv.script(
        "/api/query",
        atom_entry(
            SUBMITTED, title="Fresh results from the browser", published="2026-11-18T10:00:00Z"
        ),
    )
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        # The port is known only now; the mail templates read base_url per request.
        app.state.settings = app.state.settings.model_copy(update={"base_url": url})
        yield url


def _upvotes(session_factory, arxiv_id: str) -> int:
    with session_factory() as session:
        return session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == arxiv_id))


def test_sign_up_log_in_upvote_submit_comment_and_log_out(
    browser, site, smtp, session_factory, backend
):
    url, (inbox, _controller) = site, smtp
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    nav = page.get_by_role("navigation", name="Account")
    shot = f"community-{backend}"

    with screenshot_on_failure(page, f"{shot}-signup"):
        page.goto(url + "/")
        nav.get_by_role("link", name="Sign up").click()
        page.wait_for_url(url + "/signup")
        page.fill("#username", "grace")
        page.fill("#email", "grace@example.org")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        page.get_by_role("heading", name="Check your inbox").wait_for()

        (message,) = inbox.wait(1)
        assert message["To"] == "grace@example.org"
        body = message.get_body(("plain",)).get_content()
        link = re.search(re.escape(url) + r"/signup/confirm\?token=[\w-]+", body)
        assert link, body
        page.goto(link.group(0))
        page.get_by_role("button", name="Confirm and log in").click()
        page.wait_for_url(url + "/account?done=welcome")
        assert "Your email address is confirmed" in page.content()
        assert nav.get_by_role("link", name="grace").is_visible()
        page.screenshot(path=OUTPUT / f"{shot}-welcome.png", full_page=True)

        nav.get_by_role("button", name="Log out").click()
        page.wait_for_url(url + "/")
        assert nav.get_by_role("link", name="Log in").is_visible()

    with screenshot_on_failure(page, f"{shot}-login"):
        nav.get_by_role("link", name="Log in").click()
        page.fill("#login", "grace")
        page.fill("#password", PASSWORD)
        page.locator("form[action='/login']").get_by_role("button", name="Log in").click()
        page.wait_for_url(url + "/")
        assert nav.get_by_role("link", name="grace").is_visible()

    with screenshot_on_failure(page, f"{shot}-upvote"):
        button = page.locator(f"[id='paper-{VOTED}'] button.votes")
        assert button.get_attribute("aria-pressed") == "false"
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        page.evaluate("window.notReloaded = true")  # gone if the page reloads
        button.click()
        wait_for_count(page, VOTED, 42)
        assert button.get_attribute("aria-pressed") == "true"
        assert page.evaluate("window.notReloaded === true")
        assert navigations == []
        assert _upvotes(session_factory, VOTED) == 42
        page.screenshot(path=OUTPUT / f"{shot}-upvoted.png", full_page=True)
        page.reload()  # stored, and shown as the reader's own vote
        assert page.locator(f"[id='paper-{VOTED}'] .count").inner_text() == "42"
        assert button.get_attribute("aria-pressed") == "true"

    with screenshot_on_failure(page, f"{shot}-upvote-paper-page"):
        # On the paper page the count is also said in words under the title: both change.
        page.goto(f"{url}/papers/{VOTED}")
        total = page.locator(f"[data-upvotes-of='{VOTED}']")
        assert total.inner_text() == "42 upvotes"
        page.evaluate("window.notReloaded = true")
        big = page.locator(".paper-head button.votes")
        big.click()  # take it back
        wait_for_count(page, VOTED, 41, within=".paper-head")
        assert total.inner_text() == "41 upvotes"
        big.click()
        wait_for_count(page, VOTED, 42, within=".paper-head")
        assert total.inner_text() == "42 upvotes"
        assert page.evaluate("window.notReloaded === true")
        assert _upvotes(session_factory, VOTED) == 42
        page.goto(url + "/")

    with screenshot_on_failure(page, f"{shot}-submit"):
        nav.get_by_role("link", name="Submit a paper").click()
        page.wait_for_url(url + "/submit")
        page.fill("#arxiv", f"https://arxiv.org/abs/{SUBMITTED}v1")
        page.locator("form[action='/submit']").get_by_role("button", name="Submit").click()
        page.wait_for_url(f"{url}/papers/{SUBMITTED}?notice=submitted")
        assert "Thank you: the paper is on today" in page.content()
        assert page.locator("h1").inner_text() == "Fresh results from the browser"
        page.goto(url + "/")  # today's page: Nov 20, the pinned clock
        card = page.locator(f"[id='paper-{SUBMITTED}']")
        assert "Fresh results from the browser" in card.inner_text()
        assert card.locator(".submitter").inner_text() == "Submitted by grace"
        page.screenshot(path=OUTPUT / f"{shot}-submitted.png", full_page=True)

    with screenshot_on_failure(page, f"{shot}-comment"):
        card.get_by_role("link", name="Fresh results from the browser").click()
        page.wait_for_url(f"{url}/papers/{SUBMITTED}")
        page.fill(
            "#comment-body",
            "**Solid** results, see [the code](https://example.org/code).\n\n"
            "<script>window.pwned = true; alert('xss')</script>",
        )
        page.locator("form.comment-new").get_by_role("button", name="Comment").click()
        page.wait_for_url(re.compile(re.escape(f"{url}/papers/{SUBMITTED}") + r"#comment-\d+$"))
        comment = page.locator("article.comment").first
        assert comment.locator(".comment-author").inner_text() == "grace"
        rendered = comment.locator(".comment-body")
        assert rendered.locator("strong").inner_text() == "Solid"
        link = rendered.get_by_role("link", name="the code")
        assert link.get_attribute("href") == "https://example.org/code"
        assert link.get_attribute("rel") == "nofollow ugc noopener"
        # the script is shown as text, never run
        assert "<script>window.pwned = true; alert('xss')</script>" in rendered.inner_text()
        assert rendered.locator("script").count() == 0
        assert page.evaluate("window.pwned === undefined")
        assert "1 comment" in page.locator("#comments-title").inner_text()
        page.screenshot(path=OUTPUT / f"{shot}-commented.png", full_page=True)

    with screenshot_on_failure(page, f"{shot}-logout"):
        nav.get_by_role("button", name="Log out").click()
        page.wait_for_url(url + "/")
        assert nav.get_by_role("link", name="Log in").is_visible()
        assert nav.get_by_role("link", name="grace").count() == 0
        assert page.locator(f"[id='paper-{VOTED}'] a.votes").is_visible()  # asks to log in
        page.goto(url + "/submit")
        assert page.url.startswith(url + "/login?next=")
        page.goto(f"{url}/papers/{SUBMITTED}")
        assert page.get_by_role("link", name="Log in").last.is_visible()
        assert page.locator("#comment-body").count() == 0

    assert errors == [] and dialogs == []
    context.close()
