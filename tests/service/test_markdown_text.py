"""Titles and abstracts as Markdown (text/markdown_text.py) and the Accept rule that picks
a paper page's Markdown (http/negotiation.py): pure functions, no database."""

from __future__ import annotations

import pytest

from paperfeed.http.negotiation import markdown_variant, prefers_markdown
from paperfeed.text.markdown_text import escape_markdown, to_markdown, to_markdown_line


@pytest.mark.parametrize(
    ("source", "markdown"),
    [
        ("MVD$^2$ and PanGu-$\\pi$", "MVD$^2$ and PanGu-$\\pi$"),  # the author's TeX, kept
        ('na\\"{\\i}ve -- \\emph{really}, Fig.~3', "naïve – really, Fig.\u00a03"),
        (
            "inline \\(x^2\\) and display \\[\\sum_i x_i\\]",
            "inline $x^2$ and display $$\\sum_i x_i$$",
        ),
        ("$ x $ is prose? no: $\\textit{near} $", "\\$ x \\$ is prose? no: $\\textit{near}$"),
        ("costs $5 and $10", "costs \\$5 and \\$10"),  # prices, not math
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        (
            "[x](javascript:alert(1)) ![i](http://t.example/p.png)",
            "\\[x\\](javascript:alert(1)) !\\[i\\](http://t.example/p.png)",
        ),
        (
            "*bold* _em_ snake_case `code` &lt;",
            "\\*bold\\* \\_em\\_ snake_case \\`code\\` \\&lt;",
        ),
        ("see https://github.com/a_b/c_d.", "see https://github.com/a_b/c_d."),  # URLs whole
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- not a list either", "\\- not a list either"),
        ("> not a quote", "\\> not a quote"),
        ("one\n  line\n\n\n  two", "one line\n\ntwo"),  # paragraphs kept, lines joined
        ("", ""),
    ],
)
def test_to_markdown(source, markdown):
    assert to_markdown(source) == markdown


def test_a_title_is_one_line_and_math_spaces_are_tidied():
    assert to_markdown_line("A title\n  on two lines, $ \\mathcal{O}(n)\n $") == (
        "A title on two lines, $\\mathcal{O}(n)$"
    )
    assert to_markdown_line("Title\n\nwith a blank line") == "Title with a blank line"
    assert to_markdown_line(None) == ""


def test_escape_markdown_leaves_plain_text_alone():
    assert escape_markdown("Ada Lovelace, cs.LG 50% & more") == "Ada Lovelace, cs.LG 50% & more"


@pytest.mark.parametrize(
    ("accept", "markdown"),
    [
        ("text/markdown", True),
        ("text/markdown, text/html, */*", True),  # agents: listed first at equal quality
        ("text/markdown;q=0.9, text/html", False),
        ("text/html;q=0.5, text/markdown;q=0.8", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # browsers
        ("text/html, text/markdown", False),
        ("text/markdown;q=0", False),
        ("text/markdown;q=nan", False),
        ("text/plain, text/markdown;q=0.5", True),  # no HTML asked for at all
        ("*/*", False),
        ("", False),
        (None, False),
        ("text/markdown, " + "x" * 3000, False),  # not read: HTML
    ],
)
def test_prefers_markdown(accept, markdown):
    assert prefers_markdown(accept) is markdown


def test_only_paper_pages_have_a_markdown_variant():
    headers = [(b"accept", b"text/markdown")]
    assert markdown_variant("/papers/2611.00001", headers)
    assert not markdown_variant("/papers/2611.00001.md", headers)  # one variant only
    assert not markdown_variant("/api/papers/2611.00001", headers)
    assert not markdown_variant("/papers/2611.00001", [(b"accept", b"text/html")])
    assert not markdown_variant("/papers/2611.00001", [])


def test_a_markdown_renderer_sees_only_text():
    """CommonMark with raw HTML allowed (the laxest viewer): nothing imported becomes markup."""
    from markdown_it import MarkdownIt

    hostile = (
        "# <script>alert(1)</script> *x* _y_ [a](javascript:alert(1)) <img src=x onerror=alert(1)>"
        " `c` &amp; $5 \\$6 1. ![i](http://t.example/p.png) ---"
    )
    html = MarkdownIt("commonmark", {"html": True}).render(to_markdown(hostile))
    for markup in ("<script", "<img", "<em>", "<a ", "<h1>", "<code>", "<ol", "<hr"):
        assert markup not in html, (markup, html)
    assert html.startswith("<p>#") and "&lt;script&gt;" in html
