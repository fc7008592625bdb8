"""The import and export pages and JSON API (both databases): the form and its report, the
CSRF token and Bearer tokens, 404 for another member's collection, and bad uploads (wrong
format, broken encoding, 50 MB, 100,000 entries) refused with a clear message and nothing
written."""

from __future__ import annotations

import json

import pytest
from io_helpers import FakeArxiv, counts
from library_helpers import NOW, csrf_of, items_of, log_in, make_account, new_token, run

from paperfeed.library import collections as lib

BIB = (
    b"@article{vaswani, title={Attention Is All You Need}, eprint={2611.00001}, "
    b"archivePrefix={arXiv}}\n"
    b"@misc{fresh, title={Fresh <b>bold</b> paper}, url={https://arxiv.org/abs/2611.55555}}\n"
    b"@book{gone, title={<script>alert(1)</script> Not here}}\n"
)


@pytest.fixture
def arxiv():
    fake = FakeArxiv()
    fake.known["2611.55555"] = "Fresh <b>bold</b> paper"
    yield fake
    fake.close()


@pytest.fixture
def settings(settings, arxiv):
    return settings.model_copy(update={"arxiv_api_url": arxiv.url, "http_delay": 0})


@pytest.fixture
def ada(session_factory, paper_factory):
    paper_factory(arxiv_id="2611.00001", title="Attention Is All You Need")
    return make_account(session_factory, "ada")


def _upload(client, data: bytes, name: str = "refs.bib", **fields):
    token = csrf_of(client.get("/library/import").text)
    return client.post(
        "/library/import",
        data={"csrf_token": token, **fields},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_import_page_needs_a_member(client):
    r = client.get("/library/import", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_import_form_shows_the_report_and_markup_stays_text(client, ada, session_factory):
    log_in(client)
    page = client.get("/library/import").text
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page
    r = _upload(client, BIB)
    assert r.status_code == 200, r.text
    assert '3 entries read from the BibTeX file into <a href="/collections/' in r.text
    assert "<strong>Saved</strong></a>: 2 papers added" in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and "<script>alert(1)" not in r.text
    assert '<a href="/papers/2611.55555">2611.55555</a>' in r.text
    assert [a for _, a in items_of(session_factory, ada.id)] == ["2611.00001", "2611.55555"]
    again = _upload(client, BIB)
    assert "0 papers added" in again.text and again.text.count("already there") == 2


def test_import_into_a_new_collection_from_the_form(client, ada, session_factory):
    log_in(client)
    r = _upload(client, BIB, collection="new", new_collection="Thesis")
    assert "<strong>Thesis</strong></a>: 2 papers added" in r.text
    assert {name for name, _ in items_of(session_factory, ada.id)} == {"Thesis"}


def test_a_form_without_its_csrf_token_is_refused(client, ada, session_factory):
    log_in(client)
    r = client.post("/library/import", files={"file": ("a.bib", BIB, "text/plain")})
    assert r.status_code == 403
    assert items_of(session_factory, ada.id) == []


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"<html><body>not a bibliography</body></html>", 400, "not BibTeX, RIS or CSL-JSON"),
        ("@misc{a, title={Ünïcode}}".encode("latin-1"), 400, "not valid UTF-8"),
        (b"@misc{a,title={t}}\n" * 100_000, 413, "The file has 100,000 entries"),
        (b"[" + b'{"title": "x"},' * 100_000 + b'{"title": "y"}]', 413, "100,001 entries"),
    ],
)
def test_bad_files_re_render_the_form_with_the_reason(
    client, ada, session_factory, arxiv, data, status, message
):
    log_in(client)
    before = counts(session_factory)
    r = _upload(client, data)
    assert r.status_code == status and message in r.text
    assert 'name="file"' in r.text  # the form again, to try another file
    assert counts(session_factory) == before and arxiv.asked == []


def test_a_50_mb_upload_is_refused_before_it_is_read(client, ada, session_factory):
    log_in(client)
    before = counts(session_factory)
    r = _upload(client, b"@misc{a, title={x}}\n" + b" " * (50 * 2**20))
    assert r.status_code == 413 and "too large" in r.text
    assert counts(session_factory) == before


def test_api_import_with_a_bearer_token_answers_the_report(client, ada, session_factory):
    headers = {"Authorization": f"Bearer {new_token(session_factory, ada)}"}
    r = client.post(
        "/api/library/import",
        files={"file": ("r.bib", BIB)},
        data={"newCollection": "From Zotero"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["collectionName"], body["format"], body["entries"]) == ("From Zotero", "bibtex", 3)
    assert (body["matched"], body["fetched"], body["notFound"], body["added"]) == (1, 1, 1, 2)
    assert body["lines"][1] == {
        "number": 2,
        "label": "fresh",
        "title": "Fresh <b>bold</b> paper",
        "outcome": "fetched",
        "detail": "from arXiv",
        "arxivId": "2611.55555",
        "newInCollection": True,
    }
    again = client.post(
        "/api/library/import",
        files={"file": ("r.bib", BIB)},
        data={"collectionId": str(body["collectionId"])},
        headers=headers,
    )
    assert again.json()["added"] == 0


def test_api_import_errors_are_json(client, ada, session_factory):
    headers = {"Authorization": f"Bearer {new_token(session_factory, ada)}"}
    bob = make_account(session_factory, "bob")
    bobs = run(session_factory, lambda s: lib.saved_collection(s, bob.id, now=NOW).id)
    r = client.post(
        "/api/library/import",
        files={"file": ("r.bib", BIB)},
        data={"collectionId": str(bobs)},
        headers=headers,
    )
    assert r.status_code == 404 and r.json()["ok"] is False
    r = client.post("/api/library/import", files={"file": ("r.txt", b"hello")}, headers=headers)
    assert r.status_code == 400 and "not BibTeX, RIS or CSL-JSON" in r.json()["error"]
    r = client.post("/api/library/import", files={"file": ("r.bib", BIB)})
    assert r.status_code == 401
    big = b"@misc{a, title={x}}\n" + b" " * (50 * 2**20)
    r = client.post("/api/library/import", files={"file": ("r.bib", big)}, headers=headers)
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert items_of(session_factory, bob.id) == [] and items_of(session_factory, ada.id) == []


def test_api_import_with_a_cookie_needs_the_csrf_header(client, ada, session_factory):
    log_in(client)
    r = client.post("/api/library/import", files={"file": ("r.bib", BIB)})
    assert r.status_code == 403
    token = csrf_of(client.get("/library/import").text)
    r = client.post(
        "/api/library/import", files={"file": ("r.bib", BIB)}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 200 and r.json()["added"] == 2


@pytest.mark.parametrize(
    ("fmt", "media", "suffix"),
    [
        ("bibtex", "application/x-bibtex", "bib"),
        ("ris", "application/x-research-info-systems", "ris"),
        ("csl-json", "application/vnd.citationstyles.csl+json", "json"),
    ],
)
def test_export_pages_and_api_download_the_file(client, ada, session_factory, fmt, media, suffix):
    log_in(client)
    _upload(client, BIB)
    saved = run(session_factory, lambda s: lib.saved_collection(s, ada.id, now=NOW).id)
    page = client.get("/library/export").text
    assert f'href="/library/export/{fmt}?collection={saved}"' in page
    for url in (f"/library/export/{fmt}?collection={saved}", f"/api/library/export/{fmt}"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert r.headers["content-disposition"].startswith("attachment; filename=")
        assert f'.{suffix}"' in r.headers["content-disposition"]
        assert "2611.00001" in r.text and "2611.55555" in r.text
    if fmt == "csl-json":
        assert len(json.loads(r.text)) == 2


def test_export_of_another_members_collection_is_404_and_anonymous_needs_a_login(
    client, ada, session_factory
):
    bob = make_account(session_factory, "bob")
    bobs = run(session_factory, lambda s: lib.saved_collection(s, bob.id, now=NOW).id)
    assert client.get("/api/library/export/bibtex").status_code == 401
    log_in(client)
    assert client.get(f"/library/export/bibtex?collection={bobs}").status_code == 404
    r = client.get(f"/api/library/export/ris?collection={bobs}")
    assert r.status_code == 404 and r.json()["ok"] is False
    assert client.get("/api/library/export/endnote").status_code == 400


def test_imports_are_rate_limited(client, ada, settings, app):
    app.state.settings = settings.model_copy(update={"rate_limit_import": "2/hour"})
    log_in(client)
    assert [_upload(client, BIB).status_code for _ in range(3)] == [200, 200, 429]


def test_a_form_without_a_file_asks_for_one(client, ada, session_factory):
    log_in(client)
    token = csrf_of(client.get("/library/import").text)
    r = client.post(
        "/library/import",
        data={"csrf_token": token, "format": "ris"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert r.status_code == 400 and "Choose a file to import" in r.text
    r = _upload(client, BIB, collection="12abc")
    assert r.status_code == 400 and "Choose one of your collections" in r.text
    assert items_of(session_factory, ada.id) == []


def test_api_import_of_ris_and_csl_json_with_the_format_given(client, ada, session_factory):
    headers = {"Authorization": f"Bearer {new_token(session_factory, ada)}"}
    ris = b"TY  - PREP\nTI  - Attention Is All You Need\nUR  - http://arxiv.org/abs/2611.00001\nER  -\n"
    r = client.post(
        "/api/library/import",
        files={"file": ("z.ris", ris)},
        data={"format": "ris"},
        headers=headers,
    )
    assert (r.status_code, r.json()["format"], r.json()["added"]) == (200, "ris", 1)
    csl = json.dumps([{"id": "x", "type": "article", "title": "Attention Is All You Need"}])
    r = client.post(
        "/api/library/import",
        files={"file": ("z.json", csl.encode())},
        data={"format": "ris"},
        headers=headers,
    )
    assert r.status_code == 400 and "No RIS entries found" in r.json()["error"]
    r = client.post(
        "/api/library/import", files={"file": ("z.json", csl.encode())}, headers=headers
    )
    line = r.json()["lines"][0]
    assert (line["outcome"], line["detail"], line["newInCollection"]) == (
        "matched",
        "by title",
        False,
    )
