"""A paper's title and abstract as the pages show them, rendered once when written.

Titles and abstracts are LaTeX-flavoured text: turning one into HTML (MathML, escaping, the
card's excerpt, paragraphs) is most of a card's render wherever the text caches miss, as
they do for long-tail searches over 75k papers (docs/benchmarks.md, "Stored HTML"). So the
HTML is rendered once after a paper is written (``service.rendered_texts.render_missing``, a
step after every ingest and of ``paperfeed index sync``) and kept in ``paper_html`` with
:data:`RENDER_VERSION` and the :func:`source_hash` of the text it was made from. The views
use it only when both match the paper they read, else render the text as before (through
the text caches): a renderer change, a changed text or a paper not rendered yet is never
shown stale. The ingest deletes the row of a paper whose title or abstract it changes, so
the next run renders it again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from markupsafe import Markup

from paperfeed.text import latex

# Bump when to_html, cut or paragraphs change what they give for a text: rows rendered
# under another version are rendered again by the next ``render_missing``.
RENDER_VERSION = 1
EXCERPT_CHARS = 300  # a card's abstract before "Show more"

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Joins a stored abstract's paragraphs: no paragraph holds one, as str.split() (paragraphs())
# counts U+001E as whitespace, and the renderer adds no control characters.
PARAGRAPHS = "\x1e"


def paragraphs(text: str | None) -> list[str]:
    """The text's paragraphs (split at blank lines), each on one line."""
    return [" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text or "") if p.strip()]


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters, cut at a word boundary (never inside a formula: the
    card typesets the excerpt), with an ellipsis."""
    return latex.cut(text, limit)


def source_hash(title: str, abstract: str | None) -> str:
    """What a stored render is checked against (~2 us for an abstract)."""
    digest = hashlib.blake2b(title.encode(), digest_size=16)
    digest.update(b"\0")
    digest.update((abstract or "").encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class PaperHtml:
    title: Markup
    excerpt: Markup | None  # the abstract's start, where the abstract is longer than that
    paragraphs: tuple[Markup, ...]  # the whole abstract, a paragraph each

    @classmethod
    def stored(cls, title: str, short: str | None, joined: str) -> PaperHtml:
        """From the row's columns (rendered and escaped when written)."""
        return cls(
            Markup(title),  # noqa: S704 (rendered by render(), escaped there)
            Markup(short) if short is not None else None,  # noqa: S704
            tuple(Markup(p) for p in joined.split(PARAGRAPHS)) if joined else (),  # noqa: S704
        )


def render(title: str, abstract: str | None) -> PaperHtml:
    short = excerpt(abstract)
    cut = short if len(short) < len(abstract or "") else None
    return PaperHtml(
        latex.to_html(title),
        latex.to_html(cut) if cut is not None else None,
        tuple(latex.to_html(p) for p in paragraphs(abstract)),
    )


def verified(
    title: str, abstract: str | None, version: int | None, hashed: str | None, parts: list
) -> PaperHtml | None:
    """The stored render (``parts``: a row's title, excerpt and paragraphs) if this
    renderer made it from this very text, else None."""
    if version != RENDER_VERSION or hashed != source_hash(title, abstract):
        return None
    return PaperHtml.stored(*parts)
