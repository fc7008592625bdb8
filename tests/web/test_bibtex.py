"""BibTeX generation (a pure function of a PaperView)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from paperfeed.service.bibtex import bibtex, citation_key, paper_year
from paperfeed.service.views import PaperView

BASE = PaperView(
    arxiv_id="1706.03762",
    version=7,
    title="Attention Is All You Need",
    abstract="",
    authors=("Ashish Vaswani", "Noam Shazeer"),
    categories=("cs.CL", "cs.LG"),
    comments=None,
    journal_ref=None,
    doi=None,
    published_at=datetime(2017, 6, 12, tzinfo=UTC),
    updated_at=None,
    github_repo=None,
    github_stars=None,
    project_page=None,
    upvotes=0,
    num_comments=0,
    feed_day=None,
    submitted_at=None,
    submitted_by=None,
)


def test_bibtex_has_the_arxiv_fields():
    assert bibtex(BASE) == (
        "@misc{vaswani2017attention,\n"
        "  title = {Attention Is All You Need},\n"
        "  author = {Ashish Vaswani and Noam Shazeer},\n"
        "  year = {2017},\n"
        "  eprint = {1706.03762},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.CL},\n"
        "  url = {https://arxiv.org/abs/1706.03762}\n"
        "}"
    )


def test_citation_key_is_ascii_and_skips_stopwords():
    paper = replace(BASE, authors=("Jürgen Schmidhuber",), title="On the Learning of Things")
    assert citation_key(paper) == "schmidhuber2017learning"


def test_citation_key_without_authors_or_title_words():
    paper = replace(BASE, authors=(), title="$ - $")
    assert citation_key(paper) == "2017"
    assert citation_key(replace(paper, published_at=None, arxiv_id="hep-th/9901001")) == "1999"


def test_year_falls_back_to_feed_day_then_id():
    assert paper_year(replace(BASE, published_at=None, feed_day=date(2024, 1, 2))) == 2024
    assert paper_year(replace(BASE, published_at=None)) == 2017
    assert paper_year(replace(BASE, published_at=None, arxiv_id="hep-th/9901001")) == 1999


def test_latex_title_is_kept_and_unbalanced_braces_are_escaped():
    assert "title = {AstroM$^3$: a model}" in bibtex(replace(BASE, title="AstroM$^3$: a model"))
    text = bibtex(replace(BASE, title="Broken } brace {"))
    assert r"title = {Broken \} brace \{}" in text


def test_doi_and_journal_ref_when_known():
    text = bibtex(replace(BASE, doi="10.1/x", journal_ref="NeurIPS 2017"))
    assert "doi = {10.1/x}" in text and "note = {NeurIPS 2017}" in text


def test_written_as_bibtexparser_writes_it():
    """write_bibtex formats entries itself (for speed): the same text as bibtexparser's
    writer with its layout, for one entry and for several with extra fields."""
    import bibtexparser

    from paperfeed.service.bibtex import bibtex_entry, write_bibtex

    layout = bibtexparser.BibtexFormat()
    layout.indent, layout.block_separator = "  ", "\n"
    papers = [
        BASE,
        replace(BASE, arxiv_id="2401.00001", title="A {brace} $x^2$", doi="10.1/x"),
        replace(BASE, arxiv_id="2401.00002", authors=(), journal_ref="J. 1 (2024)"),
    ]
    for entries in (
        [bibtex_entry(papers[0])],
        [
            bibtex_entry(p, key=f"k{n}", extra=[("keywords", "a, b"), ("annote", "x {y}")])
            for n, p in enumerate(papers)
        ],
    ):
        library = bibtexparser.Library(list(entries))
        assert write_bibtex(entries) == bibtexparser.write_string(library, bibtex_format=layout)
