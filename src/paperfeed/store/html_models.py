"""Papers' title and abstract as HTML (migration 0018; paperfeed/text/paper_html.py says why).

On the same ``Base`` as :mod:`paperfeed.store.models`; code that takes ``Base.metadata`` as
the whole schema (the migrations' env, the database copy) imports this module. A row goes
with its paper (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paperfeed.store.models import Base


class PaperHtmlRow(Base):
    """A paper's title and abstract as HTML, rendered once after they were written
    (text/paper_html.py, service/rendered_texts.py). Its own table, not columns of papers:
    the MathML is ~1.5x the source's size, and the papers rows stay small for their scans.
    Used only while ``version`` is the renderer's and ``source_hash`` the paper's text's."""

    __tablename__ = "paper_html"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(SmallInteger)
    source_hash: Mapped[str] = mapped_column(String(32))
    title_html: Mapped[str] = mapped_column(Text)
    excerpt_html: Mapped[str | None] = mapped_column(Text)  # NULL: the abstract is short
    abstract_html: Mapped[str] = mapped_column(Text)  # its paragraphs, joined by PARAGRAPHS
