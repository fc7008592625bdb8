"""A real browser (headless Chromium through Playwright), without JavaScript: from /library
to the import form, a BibTeX file chosen and sent, the report, then the collection's
BibTeX downloaded from the export page and read back by bibtexparser."""

from __future__ import annotations

import bibtexparser
import pytest
from io_helpers import FakeArxiv
from library_helpers import PASSWORD, items_of, make_account

from browser import BROWSER_MARKS, OUTPUT
from live_server import serve
from paperfeed.app import create_app

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

BIB = b"""@article{vaswani, title={Attention Is All You Need}, eprint={2611.00001},
  archivePrefix={arXiv}}
@misc{fresh, title={Fresh from arXiv}, note={arXiv:2611.55555 [cs]}}
"""


@pytest.fixture
def site(settings, paper_factory, session_factory, tmp_path):
    arxiv = FakeArxiv()
    arxiv.known["2611.55555"] = "Fresh from arXiv"
    settings = settings.model_copy(update={"arxiv_api_url": arxiv.url, "http_delay": 0})
    paper_factory(arxiv_id="2611.00001", title="Attention Is All You Need")
    account = make_account(session_factory, "ada")
    refs = tmp_path / "zotero.bib"
    refs.write_bytes(BIB)
    with serve(create_app(settings)) as url:
        yield url, account, refs
    arxiv.close()


def test_import_then_export_in_the_browser(browser, site, session_factory, tmp_path):
    url, account, refs = site
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto(url + "/library")
    page.click("a[href='/library/import']")
    page.set_input_files("input[name=file]", str(refs))
    page.select_option("select[name=collection]", "new")
    page.fill("input[name=new_collection]", "Thesis")
    page.click("form[action='/library/import'] button[type=submit]")
    page.wait_for_selector("table.import-report")
    status = page.locator("[role=status]").inner_text()
    assert "2 entries read from the BibTeX file into Thesis: 2 papers added" in status
    page.screenshot(path=str(OUTPUT / "library-import-report.png"), full_page=True)
    assert items_of(session_factory, account.id) == [
        ("Thesis", "2611.00001"),
        ("Thesis", "2611.55555"),
    ]
    page.goto(url + "/library/export")
    row = page.locator("table.library-export tr", has_text="Thesis")
    with page.expect_download() as download:
        row.locator("a", has_text="BibTeX").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "thesis.bib"
    entries = bibtexparser.parse_file(str(saved)).entries
    assert sorted(e["eprint"] for e in entries) == ["2611.00001", "2611.55555"]
