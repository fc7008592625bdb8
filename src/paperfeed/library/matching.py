"""Match references to papers of this instance: by arXiv id, then DOI, then normalised title.

Each step only looks at what the earlier ones left. arXiv ids and DOIs are exact lookups
(the DOI case-insensitively, as DOIs are); a title matches when its
:func:`~paperfeed.library.identifiers.title_key` equals a paper's, found by looking up a few
spellings of the title (as written, without braces or a final period) case-insensitively and
then comparing keys, so "{BERT}: Pre-training" finds "BERT: Pre-training". (The database
lowers the case; SQLite only of ASCII letters, so there "ÜBER" in a file does not find
"Über" in the store.) Papers hidden by
the moderators are not matched. When several papers share a title, the earliest published
is taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from paperfeed.library.identifiers import title_key
from paperfeed.library.references import Reference
from paperfeed.store.chunks import in_chunks
from paperfeed.store.models import Paper
from paperfeed.text.search_text import search_text

# DOIs and titles have no index (a case-insensitive match would need one on an expression):
# each query reads the whole papers table, so they are asked in as few queries as
# PostgreSQL and SQLite (>= 3.32: 32,766 parameters) allow comfortably.
_SCAN_CHUNK = 10_000


@dataclass(frozen=True)
class Match:
    paper_id: int
    arxiv_id: str
    how: str  # "arxiv id" | "DOI" | "title"


def papers_by_arxiv_id(session: Session, arxiv_ids: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """``arxiv_id -> (paper id, hidden)`` for those in the store."""
    found: dict[str, tuple[int, bool]] = {}
    for chunk in in_chunks(sorted(set(arxiv_ids))):
        rows = session.execute(
            select(Paper.arxiv_id, Paper.id, Paper.hidden).where(Paper.arxiv_id.in_(chunk))
        )
        found.update({arxiv_id: (pid, hidden) for arxiv_id, pid, hidden in rows})
    return found


def _by_doi(session: Session, dois: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for chunk in in_chunks(sorted(set(dois)), _SCAN_CHUNK):
        rows = session.execute(
            select(func.lower(Paper.doi), Paper.id, Paper.arxiv_id)
            .where(func.lower(Paper.doi).in_(chunk), Paper.hidden.is_(False))
            .order_by(Paper.published_at, Paper.id)
        )
        for doi, pid, arxiv_id in rows:
            found.setdefault(doi, (pid, arxiv_id))
    return found


def _spellings(title: str) -> set[str]:
    """Lower-cased forms of a title as a database's lower() writes it: PostgreSQL lowers
    every letter, SQLite only ASCII ones ("Über" stays "Über"), so both forms are asked."""
    title = " ".join(title.split())
    plain = title.replace("{", "").replace("}", "")
    forms = {s for s in (title, plain, title.rstrip("."), plain.rstrip(".")) if s}
    # papers.title_search is search_text(title) where that differs from the title (LaTeX,
    # accents): "MVD$^2$" in the store and "{MVD}$^2$" in a file meet as "MVD²".
    forms |= {search_text(s) for s in forms}
    return {s.lower() for s in forms} | {_ascii_lower(s) for s in forms}


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def _by_title(session: Session, titles: list[str]) -> dict[str, tuple[int, str]]:
    """``title_key -> (paper id, arxiv id)`` for the papers whose title has that key."""
    spellings = sorted({s for t in titles for s in _spellings(t)})
    found: dict[str, tuple[int, str]] = {}
    for chunk in in_chunks(spellings, _SCAN_CHUNK):
        rows = session.execute(
            select(Paper.title, Paper.id, Paper.arxiv_id)
            .where(
                or_(func.lower(Paper.title).in_(chunk), func.lower(Paper.title_search).in_(chunk)),
                Paper.hidden.is_(False),
            )
            .order_by(Paper.published_at, Paper.id)
        )
        for title, pid, arxiv_id in rows:
            found.setdefault(title_key(title), (pid, arxiv_id))
    return found


def match_references(
    session: Session, references: list[Reference]
) -> tuple[dict[int, Match], dict[int, str]]:
    """``(matches, hidden)``: each matched reference's :class:`Match` by its number, and the
    arXiv id of each reference that names a paper the moderators removed."""
    matches: dict[int, Match] = {}
    hidden: dict[int, str] = {}
    by_id = papers_by_arxiv_id(session, (r.arxiv_id for r in references if r.arxiv_id))
    for ref in references:
        if ref.arxiv_id and ref.arxiv_id in by_id:
            pid, is_hidden = by_id[ref.arxiv_id]
            if is_hidden:
                hidden[ref.number] = ref.arxiv_id
            else:
                matches[ref.number] = Match(pid, ref.arxiv_id, "arxiv id")
    rest = [r for r in references if r.number not in matches and r.number not in hidden]
    by_doi = _by_doi(session, [r.doi for r in rest if r.doi])
    for ref in rest:
        if ref.doi and ref.doi in by_doi:
            matches[ref.number] = Match(*by_doi[ref.doi], "DOI")
    # One word ("Introduction") is too little to tell papers apart.
    rest = [r for r in rest if r.number not in matches and len(title_key(r.title).split()) > 1]
    by_title = _by_title(session, [t for r in rest for t in (r.title, r.written_title) if t])
    for ref in rest:
        key = title_key(ref.title)
        if key in by_title:
            matches[ref.number] = Match(*by_title[key], "title")
    return matches, hidden
