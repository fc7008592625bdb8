"""The text keyword search indexes for a title or an abstract (issue 13).

It is the readable text (:func:`paperfeed.text.to_plain_text`: ``na\\"{\\i}ve`` -> naïve) plus,
after a line break, the ASCII spelling of each of its words that has accents (naive): English
stemmers and PostgreSQL's ``english`` configuration fold no accents, and people type "naive".
Both spellings are indexed, so "naïve" and "naive" both find it, and nothing changes for
queries, author names or papers without accents (their search text is their source, stored
as NULL: :func:`search_text_or_none`).
"""

from __future__ import annotations

import re
import unicodedata

from paperfeed.text.latex import to_plain_text

# Latin letters that NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ð": "d", "þ": "th"}
)  # fmt: skip
_WORD = re.compile(r"\w+")


def ascii_fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(source: str | None) -> str:
    plain = to_plain_text(source)
    if plain.isascii():
        return plain
    folded = []
    for word in dict.fromkeys(_WORD.findall(plain)):
        if not word.isascii():
            ascii_word = ascii_fold(word)
            if ascii_word != word and ascii_word.isascii():
                folded.append(ascii_word)
    return f"{plain}\n{' '.join(folded)}" if folded else plain


def search_text_or_none(source: str | None) -> str | None:
    """:func:`search_text`, or None where that is ``source`` itself (what the column stores)."""
    found = search_text(source)
    return found if source and found != source else None
