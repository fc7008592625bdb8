"""Papers' full text (issue 17 item 3, migration 0015): the Markdown made from the HTML
rendering arXiv publishes, with its fetch state, and the passages search looks inside.

On the same ``Base`` as :mod:`paperfeed.store.models`; code that takes ``Base.metadata`` as
the whole schema (the migrations' env, the database copy) imports this module. Rows go with
their paper (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paperfeed.store.models import Base, BigId
from paperfeed.store.types import UTCDateTime


class PaperFulltext(Base):
    """One paper's full-text fetch: its state and, once fetched, its Markdown.

    ``status``: ``ok`` (``markdown_z`` holds it), ``none`` (arXiv has no HTML for this
    paper: asked again after a long while) or ``failed`` (a network error or a page that is
    not LaTeXML, huge or truncated: retried with backoff). ``next_try_at`` is when the job
    may ask again (None: never, for ``ok`` at ``version``). ``markdown_z`` is the UTF-8
    Markdown compressed with zlib (docs/benchmarks.md "Full text": about a quarter of the
    size). ``seq`` grows with every write, so the passage index on SQLite replays what
    changed since the last ``seq`` it applied (like ``paper_changes`` for papers).
    """

    __tablename__ = "paper_fulltext"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int | None] = mapped_column(Integer)  # the paper version fetched
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failures in a row
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    markdown_z: Mapped[bytes | None] = mapped_column(LargeBinary)
    chars: Mapped[int] = mapped_column(Integer, default=0)  # of the Markdown uncompressed
    seq: Mapped[int] = mapped_column(BigId)

    __table_args__ = (
        Index("ix_paper_fulltext_seq", "seq"),
        Index("ix_paper_fulltext_next_try", "status", "next_try_at"),
    )


class FulltextPassage(Base):
    """A passage of a paper's full text (a paragraph or so, under one section heading): the
    unit full-text search matches and shows. Rewritten with the paper's full text; on
    PostgreSQL a generated ``tsv`` column and its GIN index (migration only) search it."""

    __tablename__ = "fulltext_passages"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("paper_fulltext.paper_id", ondelete="CASCADE"), primary_key=True
    )
    ord: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
