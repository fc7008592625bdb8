"""Document frequencies of the search lexemes on PostgreSQL: read at search time, refreshed
after ingests.

Migration 0004 creates ``search_terms`` (lexeme -> papers containing it) and the one-row
``search_terms_state`` (papers counted, their total distinct lexemes, the highest
``papers.id`` counted) and fills them from the papers already stored.

:func:`refresh_term_stats` adds the papers inserted since the last refresh (``id`` above
``through_id``), so it costs in proportion to the new papers (0.3 s per 1,000): it runs
wherever the keyword index is synced, i.e. after every ingest and in ``paperfeed index sync``
(:func:`paperfeed.search.sync.sync_search_index`). Changes to existing papers (new versions,
hiding, deletion) are not subtracted: the counts drift by a few papers, which moves an IDF by
a negligible amount; ``rebuild=True`` (``paperfeed index rebuild``) recounts everything
(5-10 s per 80k papers). A paper whose transaction commits after a refresh that already
counted a higher id is missed until the next rebuild, equally harmless.

:func:`lookup_units` reads the statistics of a query's units in one statement. A lexeme
missing from ``search_terms`` (a paper added since the last refresh, or no refresh ever)
reads as unknown, and the caller counts its papers live up to a cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

DEFAULT_AVG_LEXEMES = 100.0  # distinct lexemes per paper before any statistics exist

_STATE_LOCK = "SELECT papers, lexemes, through_id FROM search_terms_state FOR UPDATE"

# Lexemes of the papers above :through, counted once per paper, added to the table. Sorted,
# so two refreshes that somehow overlap lock the rows in the same order.
_ADD_NEW = """
    INSERT INTO search_terms AS t (lexeme, docs)
    SELECT lexeme, count(*) FROM papers, unnest(tsvector_to_array(search_tsv)) AS lexeme
    WHERE papers.id > :through
    GROUP BY lexeme ORDER BY lexeme
    ON CONFLICT (lexeme) DO UPDATE SET docs = t.docs + excluded.docs
"""
_NEW_PAPERS = """
    SELECT count(*) AS papers, coalesce(sum(length(search_tsv)), 0) AS lexemes,
           coalesce(max(id), :through) AS through_id
    FROM papers WHERE id > :through
"""


def refresh_term_stats(session: Session, *, rebuild: bool = False) -> int:
    """Count the papers added since the last refresh (all papers with ``rebuild``) into the
    term statistics; return how many papers were counted. No commit.

    Concurrent refreshes queue on the state row, so no paper is counted twice. Searches keep
    reading the previous statistics until the caller commits.
    """
    state = session.execute(text(_STATE_LOCK)).one_or_none()
    if state is None:  # the row is created by migration 0004; recreate it if it was deleted
        session.execute(
            text("INSERT INTO search_terms_state (papers, lexemes, through_id) VALUES (0, 0, 0)")
        )
        state = session.execute(text(_STATE_LOCK)).one()
        rebuild = True
    papers, lexemes, through = state
    if rebuild:
        # DELETE, not TRUNCATE: searches keep reading the old rows until the commit.
        session.execute(text("DELETE FROM search_terms"))
        session.execute(text("SELECT set_config('work_mem', '256MB', true)"))
        papers, lexemes, through = 0, 0, 0
    new = session.execute(text(_NEW_PAPERS), {"through": through}).one()
    if new.papers:
        session.execute(text(_ADD_NEW), {"through": through})
    session.execute(
        text(
            "UPDATE search_terms_state SET papers = :papers, lexemes = :lexemes, "
            "through_id = :through, refreshed_at = now(), "
            "rebuilt_at = CASE WHEN :rebuild THEN now() ELSE rebuilt_at END"
        ),
        {
            "papers": papers + new.papers,
            "lexemes": lexemes + new.lexemes,
            "through": new.through_id,
            "rebuild": rebuild,
        },
    )
    return int(new.papers)


@dataclass(frozen=True)
class UnitStats:
    """One query unit as PostgreSQL analyses it."""

    tsquery: str  # the unit's tsquery as text ('' for stop words only)
    docs: int | None  # papers containing all its lexemes, at most; None if one is unknown


@dataclass(frozen=True)
class CorpusStats:
    papers: int  # papers counted (at least the planner's estimate of the table)
    avg_lexemes: float  # mean distinct lexemes per paper
    max_id: int  # the newest paper's id (0 without papers)


def lookup_units(
    session: Session, units: list[tuple[str, ...]]
) -> tuple[list[UnitStats], CorpusStats]:
    """Each unit's tsquery and document frequency, and the corpus figures, in one statement.

    A unit's frequency is that of its rarest lexeme: exact for a word, an upper bound for a
    phrase. ``docs`` is None when a lexeme is not in the table yet.
    """
    sql = """
        SELECT u.i,
               (CASE WHEN u.phrase THEN phraseto_tsquery('english', u.txt)
                     ELSE plainto_tsquery('english', u.txt) END)::text AS q,
               l.docs, l.unknown,
               (SELECT papers FROM search_terms_state) AS papers,
               (SELECT lexemes FROM search_terms_state) AS lexemes,
               (SELECT reltuples FROM pg_class WHERE oid = 'papers'::regclass) AS estimate,
               (SELECT max(id) FROM papers) AS max_id
        FROM unnest(CAST(:texts AS text[]), CAST(:phrases AS boolean[]))
             WITH ORDINALITY AS u(txt, phrase, i)
        CROSS JOIN LATERAL (
            SELECT min(s.docs) AS docs, count(*) FILTER (WHERE s.docs IS NULL) AS unknown
            FROM unnest(tsvector_to_array(to_tsvector('english', u.txt))) AS x(lexeme)
            LEFT JOIN search_terms s ON s.lexeme = x.lexeme
        ) l
        ORDER BY u.i
    """
    rows = session.execute(
        text(sql),
        {"texts": [" ".join(u) for u in units], "phrases": [len(u) > 1 for u in units]},
    ).all()
    stats = [UnitStats(r.q, None if r.unknown else r.docs) for r in rows]
    first = rows[0] if rows else None
    papers = int(first.papers or 0) if first else 0
    lexemes = int(first.lexemes or 0) if first else 0
    estimate = int(first.estimate or 0) if first else 0
    max_id = int(first.max_id or 0) if first else 0
    avg = lexemes / papers if papers else DEFAULT_AVG_LEXEMES
    return stats, CorpusStats(max(papers, estimate, 1), avg, max_id)
