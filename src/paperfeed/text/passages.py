"""A paper's full-text Markdown cut into passages, each under its section heading: the unit
full-text search matches and shows (a paragraph or a few short ones, never across a heading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TARGET_CHARS = 600  # short paragraphs are joined up to about this
MAX_CHARS = 1_500  # a longer paragraph is cut at word boundaries
SECTION_SEPARATOR = " › "
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Passage:
    section: str  # the heading path, e.g. "2 Method › 2.1 Attention"; "" before any heading
    text: str


def split_passages(markdown: str) -> list[Passage]:
    """The passages of ``markdown``, in document order."""
    passages: list[Passage] = []
    headings: list[tuple[int, str]] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            section = SECTION_SEPARATOR.join(title for _level, title in headings)
            passages.extend(Passage(section, text) for text in _pieces("\n\n".join(pending)))
            pending.clear()

    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if not block:
            continue
        heading = _HEADING.match(block) if "\n" not in block else None
        if heading:
            flush()
            level = len(heading.group(1))
            headings[:] = [h for h in headings if h[0] < level] + [(level, heading.group(2))]
            continue
        if pending and sum(len(p) for p in pending) + len(block) > TARGET_CHARS:
            flush()
        pending.append(block)
    flush()
    return passages


def _pieces(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    pieces, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > MAX_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces
