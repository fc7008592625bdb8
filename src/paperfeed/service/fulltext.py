"""Papers' full text, as the surfaces read it (issue 17 item 3; docs/fulltext.md).

The full-text job (:mod:`paperfeed.ingest.fulltext_job`) fetches the HTML rendering arXiv
publishes for a paper and stores it as compressed Markdown; this module hands it back.
"""

from __future__ import annotations

import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.store.fulltext_models import PaperFulltext


def fulltext_markdown(session: Session, paper_id: int) -> str | None:
    """The stored full text of paper ``paper_id`` (the internal id) as Markdown, or None
    when the instance has none for it (not fetched, no HTML on arXiv, or a failed fetch)."""
    body = session.scalar(
        select(PaperFulltext.markdown_z).where(
            PaperFulltext.paper_id == paper_id, PaperFulltext.status == "ok"
        )
    )
    return zlib.decompress(body).decode("utf-8") if body is not None else None
