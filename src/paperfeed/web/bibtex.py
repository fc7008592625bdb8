"""BibTeX for a paper, in the shape arXiv itself gives (``@misc`` with eprint fields)."""

from __future__ import annotations

import re
import unicodedata

from paperfeed.service.views import PaperView

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "on",
        "of",
        "in",
        "for",
        "to",
        "and",
        "with",
        "via",
        "from",
        "by",
        "is",
        "are",
        "towards",
        "toward",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.")
_OLD_ID = re.compile(r"/(\d{2})\d{5}$")


def _ascii_lower(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower()


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text.replace(r"\{", "").replace(r"\}", ""):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _value(text: str) -> str:
    """A field value safe inside ``{...}``: unbalanced braces would end the field early."""
    text = " ".join(text.split())
    if not _balanced(text):
        text = text.replace("{", r"\{").replace("}", r"\}")
    return text


def paper_year(paper: PaperView) -> int | None:
    """Year of first publication: the arXiv v1 date, else the feed day, else the id's YYMM."""
    if paper.published_at is not None:
        return paper.published_at.year
    if paper.feed_day is not None:
        return paper.feed_day.year
    m = _NEW_ID.match(paper.arxiv_id) or _OLD_ID.search(paper.arxiv_id)
    if m:
        yy = int(m.group(1))
        return 1900 + yy if yy >= 91 else 2000 + yy
    return None


def citation_key(paper: PaperView) -> str:
    """``lastnameYEARfirstword`` like Google Scholar, ASCII only, e.g. ``vaswani2017attention``."""
    surname = ""
    if paper.authors:
        parts = _WORD.findall(_ascii_lower(paper.authors[0]))
        surname = parts[-1] if parts else ""
    words = [w for w in _WORD.findall(_ascii_lower(paper.title)) if w not in _STOPWORDS]
    year = paper_year(paper)
    key = f"{surname}{year or ''}{words[0] if words else ''}"
    return key or "arxiv" + re.sub(r"[^0-9a-z]", "", paper.arxiv_id.lower())


def bibtex(paper: PaperView) -> str:
    """A ``@misc`` entry for ``paper``; fields it does not know are left out."""
    fields: list[tuple[str, str]] = [("title", _value(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(_value(a) for a in paper.authors)))
    year = paper_year(paper)
    if year:
        fields.append(("year", str(year)))
    fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
    if paper.categories:
        fields.append(("primaryClass", _value(paper.categories[0])))
    if paper.doi:
        fields.append(("doi", _value(paper.doi)))
    if paper.journal_ref:
        fields.append(("note", _value(paper.journal_ref)))
    fields.append(("url", paper.abs_url))
    body = ",\n".join(f"  {name}={{{value}}}" for name, value in fields)
    return f"@misc{{{citation_key(paper)},\n{body}\n}}"
