"""The reader's journey of issue 15 in a real browser (headless Chromium through Playwright)
against the real app under uvicorn, on both databases: sign up with the emailed link (a real
SMTP server on loopback), import a small BibTeX file, follow a category from a paper page,
open For you (reasons from the imported library and the follow), move the mix control,
dismiss a paper (and see it gone), save one, export the collection as BibTeX.

Papers carry hand-made 384-dimension embeddings (the stored vectors the ranker reads), so
which paper is near which is known without loading a model to embed them. Screenshots go to
``test-output/`` (git-ignored), one whenever a step fails.
"""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser import BROWSER_MARKS, OUTPUT, screenshot_on_failure
from live_server import serve
from members import NOW
from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import CollectionItem, Follow, PaperFeedback, ReaderPrefs
from paperfeed.store.models import Paper, User
from smtp import Inbox, smtp_server, smtp_settings

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

PASSWORD = "a long journey password"
DIM = 384
# Two papers of the reader's own, long before the window; four papers on today's feed.
LIB_GRAPHS, LIB_MESSAGES = "2610.00101", "2610.00102"
NEAR, SPEECH, HOT, OTHER = "2611.00201", "2611.00202", "2611.00203", "2611.00204"
BIBTEX = f"""
@article{{lovelace2026graphs,
  title = {{Graph neural networks for molecules}},
  author = {{Lovelace, Ada and Turing, Alan}},
  year = {{2026}},
  eprint = {{{LIB_GRAPHS}}},
  archivePrefix = {{arXiv}},
}}
@misc{{message2026,
  title = {{Message passing on graphs}},
  author = {{Noether, Emmy}},
  year = {{2026}},
  url = {{https://arxiv.org/abs/{LIB_MESSAGES}v2}},
}}
@article{{nowhere1999,
  title = {{A paper this instance has never heard of}},
  author = {{Nobody, N.}},
  journal = {{Journal of Nothing}},
  year = {{1999}},
  doi = {{10.9999/nothing.1999}},
}}
"""


def _unit(*weights: tuple[int, float]) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    for axis, weight in weights:
        v[axis] = weight
    return v / np.linalg.norm(v)


PAPERS = [  # arxiv id, title, category, age, upvotes, on the feed, vector
    (LIB_GRAPHS, "Graph neural networks for molecules", "cs.LG", 40, 0, False, _unit((0, 1))),
    (LIB_MESSAGES, "Message passing on graphs", "cs.LG", 30, 0, False, _unit((0, 1), (1, 0.3))),
    (NEAR, "Graph transformers for chemistry", "cs.LG", 0, 1, True, _unit((0, 1), (2, 0.2))),
    (SPEECH, "Parsing speech transcripts", "cs.CL", 0, 0, True, _unit((3, 1))),
    (HOT, "A very popular vision paper", "cs.CV", 0, 60, True, _unit((5, 1))),
    (OTHER, "Graphs of citations, dismissed", "cs.LG", 0, 4, True, _unit((0, 1), (6, 1.2))),
]


@pytest.fixture
def smtp():
    inbox = Inbox()
    with smtp_server(inbox) as controller:
        yield inbox, controller


@pytest.fixture
def settings(settings, smtp):
    return settings.model_copy(
        update={"semantic_search": True, "embed_in_background": False, **smtp_settings(smtp[1])}
    )


def _add_papers(settings, sessions) -> None:
    for arxiv_id, title, category, age_days, upvotes, on_feed, vector in PAPERS:
        posted = NOW - timedelta(days=age_days, hours=2)
        record = PaperRecord.build(
            arxiv_id=arxiv_id,
            title=title,
            abstract=f"About {title.lower()}.",
            authors=("Ada Lovelace",) if on_feed else ("Grace Hopper",),
            categories=(category,),
            published_at=posted,
            **({"feed_day": posted.date(), "submitted_at": posted} if on_feed else {}),
            upvotes=upvotes,
        )
        with session_scope(sessions) as s:
            assert not upsert_records(s, [record], source="test", now=NOW).failed
            pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
            row = EmbeddingRow(pid, "journey", 0)
            write_embeddings(s, settings.embedding_model, [row], vector[None, :], now=NOW)


@pytest.fixture
def site(settings, session_factory):
    from paperfeed.app import create_app
    from paperfeed.http.deps import get_now

    _add_papers(settings, session_factory)
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    with serve(app) as url:
        # The port is known only now; the mail templates read base_url per request.
        app.state.settings = app.state.settings.model_copy(update={"base_url": url})
        yield url


def _grace(sessions):
    with sessions() as s:
        return s.scalar(select(User.id).where(User.username == "grace"))


def _stored(sessions, model, *where):
    with sessions() as s:
        return list(s.execute(select(model).where(*where)).scalars())


def _sign_up(page, url, inbox):
    page.goto(url + "/signup")
    page.fill("#username", "grace")
    page.fill("#email", "grace@example.org")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    (message,) = inbox.wait(1)
    body = message.get_body(("plain",)).get_content()
    link = re.search(re.escape(url) + r"/signup/confirm\?token=[\w-]+", body)
    assert link, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm and log in").click()
    page.wait_for_url(url + "/account?done=welcome")


def _import(page, url, tmp_path):
    bib = tmp_path / "my-library.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    page.goto(url + "/for-you")  # a new member: trending, and the way to start
    expect(page.locator(".cold-start")).to_be_visible()
    page.locator(".cold-start").get_by_role("link", name="import your BibTeX file").click()
    page.wait_for_url(url + "/library/import")
    page.set_input_files("#import-file", str(bib))
    page.locator("form[action='/library/import']").get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    report = page.locator("main").inner_text()
    assert "Graph neural networks for molecules" in report
    assert "A paper this instance has never heard of" in report  # not found, and said so


def _follow_speech_category(page, url):
    page.goto(f"{url}/papers/{SPEECH}")
    follow = page.locator(".categories .follow-button", has_text="cs.CL")
    follow.click()
    expect(page.locator(".categories .follow-button", has_text="cs.CL")).to_have_attribute(
        "aria-pressed", "true"
    )


def _card(page, arxiv_id: str):
    return page.locator(f"[id='for-you-{arxiv_id}']")


def _set_mix(page, percent: int):
    with page.expect_navigation():  # for_you.js sends the settings form when it changes
        page.locator("#mix").fill(str(percent))
    expect(page.locator("#mix")).to_have_value(str(percent))


def _first(page) -> str:
    return page.locator(".for-you-item").first.get_attribute("data-arxiv-id")


def test_sign_up_import_follow_for_you_mix_dismiss_save_export(
    browser, site, smtp, session_factory, backend, tmp_path
):
    url, (inbox, _controller) = site, smtp
    shot = f"journey-{backend}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    with screenshot_on_failure(page, f"{shot}-signup"):
        _sign_up(page, url, inbox)
    grace = _grace(session_factory)

    with screenshot_on_failure(page, f"{shot}-import"):
        _import(page, url, tmp_path)
        page.screenshot(path=OUTPUT / f"{shot}-imported.png", full_page=True)
        saved = _stored(session_factory, CollectionItem, CollectionItem.user_id == grace)
        assert len(saved) == 2

    with screenshot_on_failure(page, f"{shot}-follow"):
        _follow_speech_category(page, url)
        follows = _stored(session_factory, Follow, Follow.user_id == grace)
        assert [(f.kind, f.key) for f in follows] == [("category", "cs.CL")]

    with screenshot_on_failure(page, f"{shot}-for-you"):
        page.get_by_role("navigation", name="Account").get_by_role("link", name="For you").click()
        page.wait_for_url(url + "/for-you")
        expect(page.locator(".cold-start")).to_have_count(0)
        expect(_card(page, NEAR).locator(".reason")).to_have_text(
            "Close to “Graph neural networks for molecules”, which you saved"
        )
        expect(_card(page, SPEECH).locator(".reason")).to_have_text("Because you follow cs.CL")
        for mine in (LIB_GRAPHS, LIB_MESSAGES):  # saved: never shown again
            expect(_card(page, mine)).to_have_count(0)
        page.screenshot(path=OUTPUT / f"{shot}-for-you.png", full_page=True)

    with screenshot_on_failure(page, f"{shot}-mix"):
        _set_mix(page, 0)  # only the community: the most upvoted paper leads
        assert _first(page) == HOT
        _set_mix(page, 100)  # only mine: the paper nearest the library leads
        assert _first(page) == NEAR
        with session_factory() as s:
            assert s.get(ReaderPrefs, grace).mix == 1.0

    with screenshot_on_failure(page, f"{shot}-dismiss"):
        page.evaluate("window.notReloaded = true")  # gone if the page reloads
        _card(page, OTHER).get_by_role("button", name="Not interested").click()
        expect(page.locator(".undo-notice")).to_contain_text("Graphs of citations")
        expect(_card(page, OTHER)).to_be_hidden()
        assert page.evaluate("window.notReloaded === true")
        page.screenshot(path=OUTPUT / f"{shot}-dismissed.png", full_page=True)
        page.reload()  # stored: gone for good, until undone
        expect(_card(page, OTHER)).to_have_count(0)
        kinds = _stored(session_factory, PaperFeedback, PaperFeedback.user_id == grace)
        assert [k.kind for k in kinds] == ["not_interested"]

    with screenshot_on_failure(page, f"{shot}-save"):
        save = _card(page, NEAR).locator(".save-button").first
        save.click()
        expect(_card(page, NEAR).locator(".save-button").first).to_have_attribute(
            "aria-pressed", "true"
        )
        saved = _stored(session_factory, CollectionItem, CollectionItem.user_id == grace)
        assert len(saved) == 3

    with screenshot_on_failure(page, f"{shot}-export"):
        page.goto(url + "/library/export")
        row = page.locator("table.library-export tr", has_text="Saved")
        with page.expect_download() as download:
            row.get_by_role("link", name=re.compile("BibTeX")).click()
        exported = download.value.path().read_text(encoding="utf-8")
        for arxiv_id in (LIB_GRAPHS, LIB_MESSAGES, NEAR):
            assert arxiv_id in exported
        assert OTHER not in exported and HOT not in exported
        assert "Graph transformers for chemistry" in exported

    assert errors == []
