"""Turn any user string into a small, safe query structure: words and quoted phrases.

Backends never see raw user text. Words are runs of Unicode letters and digits, so no
character a query language treats as an operator (``"*:-()\\``) survives. Each backend then
analyses the words with its own analyser (stemming, lowercasing) and builds its query
programmatically. Input is bounded: a 10,000-character paste becomes at most ``MAX_UNITS``
words and phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 2_000  # characters of the query looked at
MAX_UNITS = 64  # words plus phrases kept
MAX_PHRASE_WORDS = 16

_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class ParsedQuery:
    """Words are OR-ed; each phrase must appear as consecutive words. Both are lowercased."""

    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def units(self) -> tuple[tuple[str, ...], ...]:
        """Every OR-ed unit as a word tuple: single words, then phrases."""
        return tuple((w,) for w in self.words) + self.phrases


def words_of(text: str) -> list[str]:
    """Lowercased runs of letters and digits, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def parse_query(text: str | None) -> ParsedQuery:
    """Split ``text`` into words and "quoted phrases"; never raises.

    An unbalanced quote is ignored (the rest is read as words). A quoted phrase of one
    word is just a word. Duplicate units are dropped, keeping first occurrence order.
    """
    text = (text or "")[:MAX_CHARS]
    phrases: list[tuple[str, ...]] = []
    rest: list[str] = []
    last = 0
    for m in _QUOTED.finditer(text):
        rest.append(text[last : m.start()])
        last = m.end()
        words = tuple(words_of(m.group(1))[:MAX_PHRASE_WORDS])
        if len(words) == 1:
            rest.append(" " + words[0] + " ")
        elif words:
            phrases.append(words)
    rest.append(text[last:])
    loose = words_of(" ".join(rest))

    units: dict[tuple[str, ...], None] = {}
    for unit in [*phrases, *((w,) for w in loose)]:
        if len(units) >= MAX_UNITS:
            break
        units.setdefault(unit, None)
    kept = list(units)
    return ParsedQuery(
        text=text,
        words=tuple(u[0] for u in kept if len(u) == 1),
        phrases=tuple(u for u in kept if len(u) > 1),
    )


_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")


def normalize_category(text: str) -> str:
    """arXiv spelling of a category typed in any case: ``cs.cl`` -> ``cs.CL``.

    Archives are lowercase; two-letter subject classes are uppercase (cs.CL, astro-ph.CO,
    math.AG), longer ones lowercase (physics.comp-ph, cond-mat.mes-hall). Text that does not
    look like a category is returned stripped, and will simply match nothing.
    """
    text = text.strip()
    if not _CATEGORY.match(text):
        return text
    archive, _, subject = text.partition(".")
    if not subject:
        return archive.lower()
    subject = subject.upper() if len(subject) == 2 else subject.lower()
    return f"{archive.lower()}.{subject}"
