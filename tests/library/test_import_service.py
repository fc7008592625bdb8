"""Import a reference file into a collection (the service, on both databases): matching by
arXiv id, DOI and title, papers fetched from a local fake arXiv, the report, a second import
that changes nothing, and nothing half-imported."""

from __future__ import annotations

import pytest
from io_helpers import FakeArxiv, bibtex_file, counts, item_rows
from library_helpers import NOW, hide, items_of, make_account, run
from sqlalchemy import select

from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library import collection_edits as edits
from paperfeed.library import collections as lib
from paperfeed.library.importing import arxiv_fetch, import_file
from paperfeed.library.references import ImportLimits, TooLarge
from paperfeed.store.models import Paper

LIMITS = ImportLimits()

FILE = bibtex_file(
    "@article{vaswani, title={Attention Is All You Need}, "
    "journal={arXiv preprint arXiv:2611.00001}}",
    "@inproceedings{bydoi, title={Something else entirely}, doi={https://doi.org/10.5555/ABC.1}}",
    "@article{bytitle, title={{BERT}: Pre-Training of Deep Transformers.}, year={2019}}",
    "@misc{fetchme, title={Fresh from arXiv}, eprint={2611.55555}, archivePrefix={arXiv}}",
    "@misc{unknown, title={Not on arXiv at all}, eprint={2611.99999}, archivePrefix={arXiv}}",
    "@book{book, title={A Book Nobody Has Here}, publisher={Springer}}",
    "@misc{dup, title={Attention again}, url={https://arxiv.org/abs/2611.00001v3}}",
    "@article{broken, title={unclosed",
)


@pytest.fixture
def arxiv():
    fake = FakeArxiv()
    fake.known["2611.55555"] = "Fresh from arXiv"
    yield fake
    fake.close()


@pytest.fixture
def fetch(settings, arxiv):
    return arxiv_fetch(settings.model_copy(update={"arxiv_api_url": arxiv.url, "http_delay": 0}))


@pytest.fixture
def library(paper_factory):
    paper_factory(arxiv_id="2611.00001", title="Attention Is All You Need")
    paper_factory(arxiv_id="2611.00002", title="A paper with a DOI", doi="10.5555/abc.1")
    paper_factory(arxiv_id="2611.00003", title="BERT: Pre-training of Deep Transformers")
    paper_factory(arxiv_id="2611.00004", title="Unrelated")


def _import(sessions, fetch, user, data=FILE, **kwargs):
    kwargs.setdefault("fmt", None)
    return import_file(
        sessions, fetch, user_id=user.id, data=data, limits=kwargs.pop("limits", LIMITS),
        max_fetch=kwargs.pop("max_fetch", 100), now=NOW, **kwargs,
    )  # fmt: skip


def test_entries_match_by_arxiv_id_doi_and_title_and_missing_ones_are_fetched(
    session_factory, fetch, arxiv, library
):
    ada = make_account(session_factory, "ada")
    report = _import(session_factory, fetch, ada)
    got = [(line.label, line.outcome, line.detail, line.arxiv_id) for line in report.lines]
    assert got == [
        ("vaswani", "matched", "by arxiv id", "2611.00001"),
        ("bydoi", "matched", "by DOI", "2611.00002"),
        ("bytitle", "matched", "by title", "2611.00003"),
        ("fetchme", "fetched", "from arXiv", "2611.55555"),
        ("unknown", "not_found", "arXiv has no paper with this id", "2611.99999"),
        ("book", "not_found", "no paper here matches its arXiv id, DOI or title; it has no "
         "arXiv id to fetch", None),
        ("dup", "duplicate", "same paper as entry 1", "2611.00001"),
        ("line 15", "skipped", report.lines[7].detail, None),
    ]  # fmt: skip
    assert "not readable as BibTeX" in report.lines[7].detail
    assert (report.format, report.collection_name) == ("bibtex", "Saved")
    assert (report.entries, report.matched, report.fetched, report.added) == (8, 3, 1, 4)
    assert (report.not_found, report.duplicates) == (3, 1)
    assert sorted(arxiv.asked) == ["2611.55555", "2611.99999"]
    assert [a for _, a in items_of(session_factory, ada.id)] == [
        "2611.00001", "2611.00002", "2611.00003", "2611.55555",
    ]  # fmt: skip
    with session_factory() as session:
        fresh = session.scalar(select(Paper).where(Paper.arxiv_id == "2611.55555"))
        assert (fresh.title, fresh.authors) == ("Fresh from arXiv", ["Grace Hopper"])


def test_a_second_import_of_the_same_file_changes_nothing(session_factory, fetch, arxiv, library):
    ada = make_account(session_factory, "ada")
    first = _import(session_factory, fetch, ada)
    before, rows, asked = counts(session_factory), item_rows(session_factory), len(arxiv.asked)
    second = _import(session_factory, fetch, ada)
    assert (counts(session_factory), item_rows(session_factory)) == (before, rows)
    assert arxiv.asked[asked:] == ["2611.99999"]  # only the one arXiv does not know
    assert second.added == 0 and second.fetched == 0
    assert second.matched == first.matched + first.fetched
    assert [line.new_in_collection for line in first.lines].count(True) == 4
    assert not any(line.new_in_collection for line in second.lines)


def test_titles_with_accents_and_latex_match_on_both_databases(
    session_factory, fetch, paper_factory
):
    paper_factory(arxiv_id="2611.00011", title="Über naïve Lösungen: MVD$^2$ and more")
    ada = make_account(session_factory, "ada")
    data = bibtex_file(r"@article{u, title={{\"U}ber Na{\"i}ve L{\"o}sungen: {MVD}$^2$ and More.}}")
    (line,) = _import(session_factory, fetch, ada, data=data).lines
    assert (line.outcome, line.detail, line.arxiv_id) == ("matched", "by title", "2611.00011")
    data = bibtex_file("@article{v, title={Über naïve lösungen: Mvd$^2$ AND MORE}}")
    (line,) = _import(session_factory, fetch, ada, data=data).lines
    assert line.outcome == "matched"


def test_import_into_a_named_collection_makes_it_once(session_factory, fetch, library):
    ada = make_account(session_factory, "ada")
    report = _import(session_factory, fetch, ada, new_collection="Reading group")
    again = _import(session_factory, fetch, ada, new_collection="reading GROUP")
    assert report.collection_id == again.collection_id and report.collection_name == "Reading group"
    names = {name for name, _ in items_of(session_factory, ada.id)}
    assert names == {"Reading group"}
    with pytest.raises(InvalidInput):
        _import(session_factory, fetch, ada, new_collection=" ")


def test_another_members_collection_is_not_found_and_nothing_is_fetched(
    session_factory, fetch, arxiv, library
):
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    bobs = run(session_factory, lambda s: lib.saved_collection(s, bob.id, now=NOW).id)
    before = counts(session_factory)
    with pytest.raises(NotFound):
        _import(session_factory, fetch, ada, collection_id=bobs)
    assert counts(session_factory) == before and arxiv.asked == []


def test_when_arxiv_is_down_the_rest_is_imported_and_the_report_says_so(
    session_factory, fetch, arxiv, library
):
    arxiv.down = True
    ada = make_account(session_factory, "ada")
    report = _import(session_factory, fetch, ada)
    fetchme = next(line for line in report.lines if line.label == "fetchme")
    assert fetchme.outcome == "not_found" and "arXiv could not be reached" in fetchme.detail
    assert report.matched == 3 and report.added == 3
    arxiv.down = False
    assert _import(session_factory, fetch, ada).fetched == 1  # importing again fetches it


def test_fetches_are_capped_and_the_rest_waits_for_the_next_import(
    session_factory, fetch, arxiv, library
):
    ada = make_account(session_factory, "ada")
    report = _import(session_factory, fetch, ada, max_fetch=1)
    capped = [line for line in report.lines if "at most 1 papers" in line.detail]
    assert len(capped) == 1 and len(arxiv.asked) == 1


def test_a_hidden_paper_is_not_matched_nor_fetched_again(session_factory, fetch, arxiv, library):
    hide(session_factory, "2611.00001")
    ada = make_account(session_factory, "ada")
    report = _import(session_factory, fetch, ada)
    first = report.lines[0]
    assert (first.outcome, first.detail) == (
        "not_found", "removed from this instance by the moderators"
    )  # fmt: skip
    assert "2611.00001" not in arxiv.asked


def test_a_failure_while_writing_leaves_nothing_behind(
    session_factory, fetch, arxiv, library, monkeypatch
):
    """The fetched paper and every item are one transaction: the collection vanishing
    between the lookups and the write (deleted in another tab) leaves nothing written."""
    ada = make_account(session_factory, "ada")
    reading = run(session_factory, lambda s: edits.create_collection(s, ada.id, name="R", now=NOW))
    before = counts(session_factory)
    real_fetch = fetch

    def fetch_then_delete(ids):
        records = real_fetch(ids)
        run(session_factory, lambda s: edits.delete_collection(s, ada.id, reading.id))
        return records

    with pytest.raises(NotFound):
        _import(session_factory, fetch_then_delete, ada, collection_id=reading.id)
    after = counts(session_factory)
    assert after["papers"] == before["papers"]  # the fetched paper was rolled back
    assert after["collection_items"] == 0 and arxiv.asked


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", InvalidInput, "empty"),
        (b"just some text", InvalidInput, "not BibTeX, RIS or CSL-JSON"),
        (b"@misc{a, title={caf\xe9}}", InvalidInput, r"not valid UTF-8: byte 20 \(0xe9\)"),
        (b"%PDF-1.7\x00\x01", InvalidInput, "NUL characters"),
        (b"x" * (LIMITS.max_bytes + 1), TooLarge, "at most 10 MiB"),
        (b"@misc{a,title={t}}\n" * (LIMITS.max_entries + 1), TooLarge, "at most 5,000"),
    ],
)
def test_bad_files_are_refused_whole_with_a_clear_message(
    session_factory, fetch, arxiv, library, data, error, message
):
    ada = make_account(session_factory, "ada")
    before = counts(session_factory)
    with pytest.raises(error, match=message):
        _import(session_factory, fetch, ada, data=data)
    assert counts(session_factory) == before and arxiv.asked == []
