"""The step that stores papers' rendered HTML (paperfeed/text/paper_html.py says why).

Runs after every ingest and in ``paperfeed index sync``; a view of a paper not rendered yet
renders its text itself, so this step only ever makes pages cheaper, never different.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.store.db import session_scope
from paperfeed.store.html_models import PaperHtmlRow
from paperfeed.store.models import Paper
from paperfeed.text.paper_html import PARAGRAPHS, RENDER_VERSION, render, source_hash

BATCH = 500  # papers rendered per transaction


def render_missing(sessions: sessionmaker[Session], *, limit: int | None = None) -> int:
    """Render and store the HTML of every paper that has none by this renderer
    (:data:`~paperfeed.text.paper_html.RENDER_VERSION`), :data:`BATCH` papers a transaction
    (a killed run keeps the batches it committed); how many were written. Each row keeps the
    hash of the text it was made from, so a text changed meanwhile is never shown with it."""
    papers, html = Paper.__table__, PaperHtmlRow.__table__
    todo = (
        select(papers.c.id, papers.c.title, papers.c.abstract)
        .outerjoin(html, html.c.paper_id == papers.c.id)
        .where(or_(html.c.paper_id.is_(None), html.c.version != RENDER_VERSION))
        .order_by(papers.c.id)
    )
    written, after = 0, 0
    while limit is None or written < limit:
        size = BATCH if limit is None else min(BATCH, limit - written)
        with session_scope(sessions) as session:
            rows = session.execute(todo.where(papers.c.id > after).limit(size)).all()
            if not rows:
                break
            values = []
            for paper_id, title, abstract in rows:
                made = render(title, abstract)
                values.append(
                    {
                        "paper_id": paper_id,
                        "version": RENDER_VERSION,
                        "source_hash": source_hash(title, abstract),
                        "title_html": str(made.title),
                        "excerpt_html": None if made.excerpt is None else str(made.excerpt),
                        "abstract_html": PARAGRAPHS.join(made.paragraphs),
                    }
                )
            ids = [v["paper_id"] for v in values]
            session.execute(delete(html).where(html.c.paper_id.in_(ids)))  # older renders
            session.execute(insert(html), values)
        written += len(rows)
        after = rows[-1][0]
    return written
