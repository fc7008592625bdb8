"""The search filters as SQL on ``papers``, for the SQLite vector index (usearch).

The same definitions as the tantivy and PostgreSQL backends: dates are the paper's published
date in UTC, inclusive; the category is one of the paper's categories; every author word is a
whole word of the names, in any case. Every function here also keeps to visible papers that
still exist, which is how a search never returns a paper hidden or deleted since its index
last caught up.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, bindparam, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from paperfeed.search.base import SearchFilters
from paperfeed.search.query import words_of
from paperfeed.store.models import Paper, PaperEmbedding

ID_CHUNK = 5_000  # ids per SQL IN list


def filter_clauses(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Paper`` (SQLite) for the filters; empty when none is set.

    Dates are the paper's published date in UTC, inclusive. The category must be one of the
    paper's categories. For authors the conditions only narrow (substrings of the names' JSON
    text); the exact test, every word a whole word of the names in any case as in the tantivy
    index, is :func:`authors_match` on the rows.
    """
    clauses: list[ColumnElement[bool]] = []
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), tzinfo=UTC)
        clauses.append(Paper.published_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=UTC)
        clauses.append(Paper.published_at < end)
    if filters.category:
        # A substring test first (cheap, and a category has no LIKE wildcard), then exactly.
        each = func.json_each(Paper.categories).table_valued("value")
        clauses.append(cast(Paper.categories, String).like(f'%"{filters.category}"%'))
        clauses.append(exists(select(1).select_from(each).where(each.c.value == filters.category)))
    if filters.author:
        words = words_of(filters.author)
        text = cast(Paper.authors, String)
        narrow = [
            or_(*(text.like(f"%{form}%") for form in forms))
            for forms in map(_stored_forms, words)
            if forms
        ]
        # "id IS NOT NULL" keeps a search with nothing to narrow by a filtered one.
        clauses += narrow or [Paper.id.is_not(None) if words else Paper.id.is_(None)]
    return clauses


def _stored_forms(word: str) -> list[str]:
    """How ``word`` (lowercase) can appear in the authors' JSON text, for a LIKE that folds
    ASCII case only: each non-ASCII letter in either case, raw or as a JSON ``\\u`` escape.
    Empty (no narrowing) for words with more than three non-ASCII letters."""
    special = [i for i, c in enumerate(word) if not c.isascii()]
    if len(special) > 3:
        return []
    forms = set()
    for mask in range(2 ** len(special)):
        chars = list(word)
        for bit, i in enumerate(special):
            if mask >> bit & 1:
                chars[i] = chars[i].upper()
        form = "".join(chars)
        forms |= {form, json.dumps(form)[1:-1]}
    return sorted(forms)


def authors_match(authors: list[str] | None, author_filter: str | None) -> bool:
    if not author_filter:
        return True
    names = set(words_of(" ".join(authors or [])))
    return all(word in names for word in words_of(author_filter))


def of_model(model: str) -> ColumnElement[bool]:
    """``paper_embeddings.model = model``, written so SQLite cannot use the model index: it
    would pick it over a date filter's index (no statistics say the model matches every row)
    and then read every embedding."""
    return (PaperEmbedding.model + "") == model


def filtered_ids(session: Session, model: str, clauses: list, cap: int | None) -> list | None:
    """Ids of the embedded visible papers passing ``clauses``; None if more than ``cap``."""
    query = (
        select(Paper.id)
        .join(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
        .where(of_model(model), Paper.hidden.is_(False), *clauses)
    )
    if cap is not None:
        query = query.limit(max(cap, 0) + 1)
    ids = list(session.scalars(query))
    return None if cap is not None and len(ids) > cap else ids


# The unfiltered check of every vector search, built once: building a select costs more
# than running it (~0.4 of its ~1 ms for 110 ids; issue 16 item 4).
_VISIBLE = select(Paper.id, Paper.arxiv_id).where(
    Paper.id.in_(bindparam("ids", expanding=True)), Paper.hidden.is_(False)
)


def visible_ids(session: Session, ids: list[int], clauses: list, author: str | None) -> dict:
    """``paper id -> arXiv id`` for those of ``ids`` that exist, are visible and pass."""
    out = {}
    if not clauses and not author:
        connection = session.connection()
        for start in range(0, len(ids), ID_CHUNK):
            out.update(connection.execute(_VISIBLE, {"ids": ids[start : start + ID_CHUNK]}).all())
        return out
    columns = [Paper.id, Paper.arxiv_id] + ([Paper.authors] if author else [])
    for start in range(0, len(ids), ID_CHUNK):
        rows = session.execute(
            select(*columns).where(
                Paper.id.in_(ids[start : start + ID_CHUNK]), Paper.hidden.is_(False), *clauses
            )
        )
        out.update({r[0]: r[1] for r in rows if not author or authors_match(r[2], author)})
    return out
