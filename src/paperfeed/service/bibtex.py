"""BibTeX for papers, in the shape arXiv itself gives (``@misc`` with eprint fields).

The one BibTeX writer: the paper page's "Cite as BibTeX" and library exports both use it.
Fields are chosen here and written as bibtexparser 2 writes them (``{...}`` around every
value).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from bibtexparser.model import Entry, Field

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


def bibtex_entry(
    paper: PaperView, *, key: str | None = None, extra: Sequence[tuple[str, str]] = ()
) -> Entry:
    """A ``@misc`` entry for ``paper``; fields it does not know are left out. ``extra``
    fields (a library's ``keywords`` and ``annote``) come last, escaped like the others."""
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
    fields += [(name, _value(value)) for name, value in extra if value]
    return Entry("misc", key or citation_key(paper), [Field(n, v) for n, v in fields])


def write_bibtex(entries: Iterable[Entry]) -> str:
    """Entries as a BibTeX file, two-space indents, a blank line between entries. Keys must
    be unique (:func:`unique_keys`). Exactly what ``bibtexparser.write_string`` writes with
    that layout (every value in braces), written here directly: it took ~0.2 ms an entry,
    a tenth of a whole paper page (issue 16); tests/web/test_bibtex.py compares them."""
    return "\n".join(_entry_text(entry) for entry in entries)


def _entry_text(entry: Entry) -> str:
    fields = ",\n".join(f"  {field.key} = {{{field.value}}}" for field in entry.fields)
    return f"@{entry.entry_type}{{{entry.key},\n{fields}\n}}\n"


def unique_keys(papers: Iterable[PaperView]) -> list[str]:
    """One citation key per paper, a letter added to repeats (``smith2024deep``,
    ``smith2024deepb``) as Google Scholar does."""
    keys: list[str] = []
    taken: set[str] = set()
    for paper in papers:
        base = key = citation_key(paper)
        suffix = 1
        while key in taken:
            suffix += 1
            key = f"{base}{_letters(suffix)}"
        taken.add(key)
        keys.append(key)
    return keys


def _letters(n: int) -> str:
    """2 -> b, 26 -> z, 27 -> ab: spreadsheet-style letters, so keys stay letters."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def bibtex(paper: PaperView) -> str:
    """The BibTeX entry of one paper (the paper page's "Cite as BibTeX")."""
    return write_bibtex([bibtex_entry(paper)]).strip()
