"""Titles and abstracts as Markdown (``/papers/{id}.md``, docs/text-and-math.md).

The reader of a paper's Markdown is a person in a Markdown viewer or an agent: both read
TeX math, so each formula stays the author's LaTeX between ``$...$`` (``$$...$$`` for
display math; ``\\(...\\)`` and ``\\[...\\]`` become dollars too), while the text around it
loses its text-mode LaTeX the way pages and feeds show it (``na\\"{\\i}vely`` -> naïvely,
``--`` -> an en dash, :func:`paperfeed.text.latex.text_to_plain`). That text is then escaped
so that nothing in an imported title or abstract is read as Markdown or HTML: ``<script>``
stays text, ``*`` and ``_`` make no emphasis, ``[x](javascript:...)`` makes no link, a
dollar is ``\\$`` (not the start of a formula), a paragraph that starts with ``#`` or ``1.``
is no heading or list. URLs in the text are left as written, so viewers can link them (only
``http`` and ``https`` ones are recognised, and only those are autolinked by GFM).
"""

from __future__ import annotations

import re

from paperfeed.text.latex import find_math, text_to_plain

# Characters with a meaning in CommonMark/GFM inline text; "_" only at a word's edge
# (inside a word it makes no emphasis, and snake_case names stay readable), "&" only where
# it would start an entity (&lt;), "~" only doubled (GFM strikethrough).
_SPECIAL = re.compile(
    r"[\\`*\[\]<>$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?[A-Za-z0-9]+;)|~(?=~)"
)
_URL = re.compile(r"https?://[^\s<>\[\]`*\\]+")
# What would open a block at the start of a paragraph: a heading, a quote, a list item.
_BLOCK_MARK = re.compile(r"^[#>+-]")
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Line breaks and runs of spaces, not the no-break spaces that ties (Fig.~3) became.
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def escape_markdown(text: str) -> str:
    """``text`` with every character that would be Markdown or HTML markup escaped; URLs
    kept whole."""
    out: list[str] = []
    pos = 0
    for url in _URL.finditer(text):
        out.append(_SPECIAL.sub(r"\\\g<0>", text[pos : url.start()]))
        out.append(url.group())
        pos = url.end()
    out.append(_SPECIAL.sub(r"\\\g<0>", text[pos:]))
    return "".join(out)


def to_markdown(source: str | None) -> str:
    """``source`` (a title or an abstract as sent) as Markdown: paragraphs kept (blank
    lines), other line breaks and runs of spaces made one space, formulas as ``$TeX$``."""
    if not source:
        return ""
    paragraphs = (_paragraph(p) for p in _PARAGRAPH_BREAK.split(source.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def to_markdown_line(source: str | None) -> str:
    """``source`` as one line of Markdown (a title, a heading): no paragraph breaks."""
    return _paragraph(source or "")


def _paragraph(source: str) -> str:
    out: list[str] = []
    pos = 0
    for m in find_math(source):
        out.append(escape_markdown(text_to_plain(source[pos : m.start])))
        out.append(_formula(m.latex, display=m.display))
        pos = m.end
    out.append(escape_markdown(text_to_plain(source[pos:])))
    text = _SPACES.sub(" ", "".join(out)).strip()
    return _LIST_NUMBER.sub(r"\1\\\2", _BLOCK_MARK.sub(r"\\\g<0>", text))


def _formula(latex: str, *, display: bool) -> str:
    # Stripped: a Markdown math parser (Pandoc's, GitHub's) wants no space inside the dollars.
    body = _SPACES.sub(" ", latex).strip()
    return f"$${body}$$" if display else f"${body}$"
