"""The step that stores papers' rendered HTML (paperfeed/text/paper_html.py says why).

Runs after every ingest and in ``paperfeed index sync``; a view of a paper not rendered yet
renders its text itself, so this step only ever makes pages cheaper, never different.
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper
from paperfeed.text.paper_html import RENDER_VERSION, render

BATCH = 500  # papers rendered per transaction


def render_missing(sessions: sessionmaker[Session], *, limit: int | None = None) -> int:
    """Render and store the HTML of every paper that has none under :data:`~paperfeed.text.paper_html.RENDER_VERSION`,
    :data:`BATCH` papers a transaction (a killed run keeps the batches it committed); how
    many were written. A paper whose text changed since it was read is left to the next run."""
    table = Paper.__table__
    outdated = or_(table.c.html_version.is_(None), table.c.html_version != RENDER_VERSION)
    write = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.title == bindparam("b_title"),
            table.c.abstract == bindparam("b_abstract"),
        )
        .values(
            title_html=bindparam("b_title_html"),
            excerpt_html=bindparam("b_excerpt_html"),
            abstract_html=bindparam("b_abstract_html"),
            html_version=RENDER_VERSION,
        )
    )
    written, after = 0, 0
    while limit is None or written < limit:
        size = BATCH if limit is None else min(BATCH, limit - written)
        with session_scope(sessions) as session:
            rows = session.execute(
                select(table.c.id, table.c.title, table.c.abstract)
                .where(table.c.id > after, outdated)
                .order_by(table.c.id)
                .limit(size)
            ).all()
            if not rows:
                break
            values = []
            for paper_id, title, abstract in rows:
                html = render(title, abstract)
                values.append(
                    {
                        "b_id": paper_id,
                        "b_title": title,
                        "b_abstract": abstract,
                        "b_title_html": str(html.title),
                        "b_excerpt_html": None if html.excerpt is None else str(html.excerpt),
                        "b_abstract_html": [str(p) for p in html.paragraphs],
                    }
                )
            session.execute(write, values)
        written += len(rows)
        after = rows[-1][0]
    return written
