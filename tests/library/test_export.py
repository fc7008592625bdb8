"""Export a collection or the whole library as BibTeX, RIS and CSL-JSON (both databases):
what the formats' own parsers read back, notes and tags, markup kept as text, and a round
trip through this instance's import."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from io_helpers import counts, item_rows
from library_helpers import NOW, hide, make_account, paper_id, run
from sqlalchemy import update

from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library import collection_edits as edits
from paperfeed.library import collections as lib
from paperfeed.library.exporting import export_library
from paperfeed.library.importing import import_file
from paperfeed.library.references import ImportLimits
from paperfeed.store.library_models import CollectionItem

NOTE = 'Read §3 first. <script>alert("x")</script> }, title={injected'


@pytest.fixture
def shelf(session_factory, paper_factory):
    """Ada's "Saved" (two papers, one with a note and tags) and "Reading" (one of them and a
    third paper); Bob's Saved with a fourth."""
    a = paper_factory(arxiv_id="2611.00001", title="Attention Is All You Need",
                      authors=("Ashish Vaswani", "Noam Shazeer"), doi="10.5555/Attn")  # fmt: skip
    b = paper_factory(arxiv_id="2611.00002", title="Attention Is All You Need",
                      authors=("Ashish Vaswani",))  # the same citation key  # fmt: skip
    c = paper_factory(arxiv_id="2611.00003", title="Cher", authors=("Cher",))
    d = paper_factory(arxiv_id="2611.00004", title="Bob's paper")
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")

    def build(s):
        saved = lib.saved_collection(s, ada.id, now=NOW)
        reading = edits.create_collection(s, ada.id, name="Reading list", now=NOW)
        ids = {x: paper_id(session_factory, x) for x in (a, b, c, d)}
        lib.add_papers(s, user_id=ada.id, collection_id=saved.id, paper_ids=[ids[a], ids[b]],
                       now=NOW)  # fmt: skip
        lib.add_papers(s, user_id=ada.id, collection_id=reading.id, paper_ids=[ids[a], ids[c]],
                       now=NOW)  # fmt: skip
        bobs = lib.saved_collection(s, bob.id, now=NOW)
        lib.add_papers(s, user_id=bob.id, collection_id=bobs.id, paper_ids=[ids[d]], now=NOW)
        s.execute(update(CollectionItem).where(CollectionItem.collection_id == saved.id,
                  CollectionItem.paper_id == ids[a]).values(note=NOTE, tags=["nlp", "to read"]))  # fmt: skip
        s.execute(update(CollectionItem).where(CollectionItem.collection_id == reading.id,
                  CollectionItem.paper_id == ids[a]).values(note="Seminar", tags=["seminar"]))  # fmt: skip
        return saved.id, reading.id, bobs.id

    saved, reading, bobs = run(session_factory, build)
    return {"ada": ada, "bob": bob, "saved": saved, "reading": reading, "bobs": bobs}


def _export(session_factory, user, fmt, collection_id=None):
    with session_factory() as session:
        return export_library(session, user.id, fmt=fmt, collection_id=collection_id)


def test_bibtex_export_is_read_back_by_bibtexparser_with_notes_and_tags(session_factory, shelf):
    out = _export(session_factory, shelf["ada"], "bibtex", shelf["saved"])
    assert (out.filename, out.media_type, out.count) == ("saved.bib", "application/x-bibtex", 2)
    parsed = bibtexparser.parse_string(out.body)
    assert not parsed.failed_blocks
    by_key = {e.key: e.fields_dict for e in parsed.entries}
    assert set(by_key) == {"vaswani2026attention", "vaswani2026attentionb"}
    attn = next(f for f in by_key.values() if f["eprint"].value == "2611.00001")
    assert attn["archivePrefix"].value == "arXiv" and attn["doi"].value == "10.5555/Attn"
    assert attn["keywords"].value == "nlp, to read"
    assert attn["title"].value == "Attention Is All You Need"  # the note did not break out
    assert '<script>alert("x")</script>' in attn["annote"].value


def test_repeated_citation_keys_get_a_letter(session_factory, shelf):
    out = _export(session_factory, shelf["ada"], "bibtex")
    keys = [e.key for e in bibtexparser.parse_string(out.body).entries]
    assert sorted(keys) == ["cher2026cher", "vaswani2026attention", "vaswani2026attentionb"]


def test_ris_export_is_read_back_by_rispy(session_factory, shelf):
    out = _export(session_factory, shelf["ada"], "ris", shelf["saved"])
    assert out.filename == "saved.ris" and out.media_type == "application/x-research-info-systems"
    records = rispy.loads(out.body)
    assert len(records) == 2
    attn = next(r for r in records if "arXiv:2611.00001" in r["notes"])
    assert attn["type_of_reference"] == "UNPB" and attn["authors"][0] == "Vaswani, Ashish"
    assert attn["keywords"] == ["nlp", "to read"] and attn["doi"] == "10.5555/Attn"
    assert attn["urls"] == ["https://arxiv.org/abs/2611.00001"]
    assert NOTE in attn["notes"] and attn["title"] == "Attention Is All You Need"


def test_csl_json_export(session_factory, shelf):
    out = _export(session_factory, shelf["ada"], "csl-json", shelf["reading"])
    assert out.filename == "reading-list.json"
    items = json.loads(out.body)
    assert sorted(i["number"] for i in items) == ["arXiv:2611.00001", "arXiv:2611.00003"]
    cher = next(i for i in items if i["number"] == "arXiv:2611.00003")
    assert cher["author"] == [{"literal": "Cher"}] and cher["type"] == "article"
    assert cher["issued"] == {"date-parts": [[2026, 11, 20]]}
    attn = next(i for i in items if i["number"] == "arXiv:2611.00001")
    assert attn["author"][0] == {"family": "Vaswani", "given": "Ashish"}
    assert (attn["note"], attn["keyword"], attn["DOI"]) == ("Seminar", "seminar", "10.5555/Attn")


def test_whole_library_has_each_paper_once_with_all_tags_and_notes(session_factory, shelf):
    out = _export(session_factory, shelf["ada"], "csl-json")
    items = json.loads(out.body)
    assert out.filename == "library.json" and out.count == 3
    assert sorted(i["number"] for i in items) == [
        "arXiv:2611.00001", "arXiv:2611.00002", "arXiv:2611.00003",
    ]  # fmt: skip
    attn = next(i for i in items if i["number"] == "arXiv:2611.00001")
    assert set(attn["keyword"].split(", ")) == {"nlp", "to read", "seminar"}
    assert NOTE in attn["note"] and "Seminar" in attn["note"]


def test_others_collections_are_not_found_and_hidden_papers_are_left_out(session_factory, shelf):
    with pytest.raises(NotFound):
        _export(session_factory, shelf["ada"], "bibtex", shelf["bobs"])
    with pytest.raises(InvalidInput, match="Unknown format"):
        _export(session_factory, shelf["ada"], "endnote")
    hide(session_factory, "2611.00003")
    assert _export(session_factory, shelf["ada"], "ris").count == 2
    assert _export(session_factory, shelf["bob"], "ris").count == 1  # only Bob's own


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_an_export_imported_again_matches_every_paper_by_arxiv_id(session_factory, shelf, fmt):
    out = _export(session_factory, shelf["ada"], fmt)
    bob = shelf["bob"]
    report = import_file(
        session_factory, lambda ids: [], user_id=bob.id, data=out.body.encode(), fmt=None,
        limits=ImportLimits(), max_fetch=0, now=NOW, new_collection="From Ada",
    )  # fmt: skip
    assert report.format == fmt
    assert [(line.outcome, line.detail) for line in report.lines] == [
        ("matched", "by arxiv id")
    ] * 3
    before = (counts(session_factory), item_rows(session_factory))
    again = import_file(
        session_factory, lambda ids: [], user_id=bob.id, data=out.body.encode(), fmt=fmt,
        limits=ImportLimits(), max_fetch=0, now=NOW, collection_id=report.collection_id,
    )  # fmt: skip
    assert again.added == 0 and (counts(session_factory), item_rows(session_factory)) == before
