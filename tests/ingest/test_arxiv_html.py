"""arXiv's HTML (LaTeXML) read into Markdown and passages: what a reader and search need is
kept (sections, lists, tables, math as TeX, footnotes), the page's chrome is not."""

from __future__ import annotations

import pytest

from paperfeed.ingest.arxiv_html import FullText, NoHtml, PageRejected, page_url, parse_page

MAX = 5_000_000


@pytest.fixture(scope="module")
def paper(request) -> FullText:
    from conftest import DATA

    result = parse_page((DATA / "arxiv_html" / "2406.00001v2.html").read_bytes(), max_bytes=MAX)
    assert isinstance(result, FullText)
    return result


def test_sections_become_headings_in_order(paper):
    headings = [line for line in paper.markdown.splitlines() if line.startswith("#")]
    assert headings == [
        "## 1 Introduction",
        "## 2 Method",
        "### 2.1 Scaled dot-product attention",
        "### 2.2 Block-local pattern",
        "## 3 Experiments",
        "## References",
    ]


def test_math_is_tex_between_dollars_and_never_escaped(paper):
    md = paper.markdown
    assert "$O(nk)$" in md and "$n^{2}$" in md and "$k\\ll n$" in md
    assert "$a*b$" in md  # not a\*b: the converter never saw the formula
    assert "$d_{k}$" in md
    assert (
        "$$\\mathrm{Attention}(Q,K,V)=\\mathrm{softmax}\\left(\\frac{QK^{\\top}}"
        "{\\sqrt{d_{k}}}\\right)V$$ (1)"
    ) in md
    assert "$$\\mathrm{cost} =n(b+g)$$ (2)" in md  # an aligned row, \displaystyle dropped
    assert "<math" not in md and "italic_n" not in md and "XQMATH" not in md


def test_lists_tables_footnotes_and_captions_are_kept(paper):
    md = paper.markdown
    assert "- a **block-local** pattern with global tokens;" in md
    assert "1. attend within the block;" in md and "2. attend to the $g$ global tokens." in md
    assert "•" not in md  # LaTeXML's own bullet is not doubled
    rows = [" ".join(line.split()) for line in md.splitlines() if line.startswith("|")]
    assert rows[0] == "| Model | Perplexity | Memory |" and len(rows) == 4
    assert rows[3] == "| Block-local (ours) | **17.9** | $O(nk)$ |"
    assert "comparisons[^1]." in md
    assert "[^1]: Counting one comparison per query–key pair." in md
    assert "*Figure 1: The block-local pattern with $b=4$.*" in md
    assert "Transformers [2, 1] attend" in md  # citations as their text
    assert "- [3] J. W. Rae et al. Compressive transformers" in md


def test_the_page_chrome_is_dropped(paper):
    md = paper.markdown
    for absent in ("Ada Lovelace", "Generated", "LaTeXML", "Refer to caption", "Abstract"):
        assert absent not in md, absent
    assert "Sparse Attention for Long Documents" not in md  # the title block: shown elsewhere
    assert "x1.png" not in md and "#bib" not in md


def test_passages_carry_their_section_and_leave_the_bibliography_out(paper):
    sections = [p.section for p in paper.passages]
    assert sections[0] == "1 Introduction"
    assert "2 Method › 2.1 Scaled dot-product attention" in sections
    assert not any(
        "References" in s or "Compressive" in p.text for s, p in zip(sections, paper.passages)
    )
    assert any("PG-19" in p.text for p in paper.passages)


def test_arxivs_stub_page_means_no_html(data_file):
    assert isinstance(parse_page(data_file("arxiv_html/no_html_stub.html"), max_bytes=MAX), NoHtml)


@pytest.mark.parametrize(
    "body, why",
    [
        (b"<html><body><h1>Sign in to the Wi-Fi</h1></body></html>", "not LaTeXML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not"),
        (b"", "not"),
    ],
)
def test_a_page_that_is_not_latexml_is_rejected(body, why):
    with pytest.raises(PageRejected, match=why):
        parse_page(body, max_bytes=MAX)


def test_a_truncated_or_huge_page_is_rejected(data_file):
    page = data_file("arxiv_html/2406.00001v2.html")
    with pytest.raises(PageRejected, match="truncated"):
        parse_page(page[: len(page) // 2], max_bytes=MAX)
    with pytest.raises(PageRejected, match="over the 1,000-byte limit"):
        parse_page(page, max_bytes=1_000)


def test_page_url_names_the_version():
    assert (
        page_url("https://arxiv.org/html/", "2406.00001", 2)
        == "https://arxiv.org/html/2406.00001v2"
    )
    assert page_url("https://arxiv.org/html", "hep-th/9901001", None) == (
        "https://arxiv.org/html/hep-th/9901001"
    )
