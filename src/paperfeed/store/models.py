"""SQLAlchemy 2.0 typed models: the system of record. Schema changes only through Alembic."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from paperfeed.store.types import HalfVector, JSONList, UTCDateTime

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so autoincrement works) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Paper(Base):
    """One arXiv paper at its latest known version."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(32), unique=True)  # without version
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSONList, default=list)  # in paper order
    categories: Mapped[list[str]] = mapped_column(JSONList, default=list)  # primary first
    primary_category: Mapped[str | None] = mapped_column(String(32))
    comments: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # arXiv v1 time
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # arXiv latest version time
    github_repo: Mapped[str | None] = mapped_column(String(512))
    github_stars: Mapped[int | None] = mapped_column(Integer)
    project_page: Mapped[str | None] = mapped_column(String(512))
    # Denormalised count: imported counts plus, later, one row per user vote.
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    num_comments: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)

    entry: Mapped[DailyEntry | None] = relationship(back_populates="paper", uselist=False)

    __table_args__ = (Index("ix_papers_published_at", "published_at"),)


class DailyEntry(Base):
    """A paper's place on the daily feed: the day it is shown, which differs from arXiv's date."""

    __tablename__ = "daily_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), unique=True)
    day: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(128))  # a username; users come later
    source: Mapped[str] = mapped_column(String(32))  # which ingest source created it

    paper: Mapped[Paper] = relationship(back_populates="entry")

    __table_args__ = (Index("ix_daily_entries_day", "day"),)


class PaperChange(Base):
    """Append-only change sequence: every write to a paper adds a row.

    Derived indexes (tantivy, the vector index) remember the last ``seq`` they applied and
    replay the rest, so a crash between the database commit and the index commit is repaired
    by the next sync. ``paper_id`` is not a foreign key: deletions are changes too.
    """

    __tablename__ = "paper_changes"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    paper_id: Mapped[int] = mapped_column(BigId, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaperEmbedding(Base):
    """A paper's embedding (title + ". " + abstract) under one model: at most one per paper.

    ``text_hash`` is the SHA-256 of the embedded text and ``source_seq`` the paper's newest
    :class:`PaperChange` when the row was last checked against the paper, so a later change is
    found by ``seq`` and re-embedded only if the text itself differs.
    """

    __tablename__ = "paper_embeddings"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(255))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[np.ndarray] = mapped_column(HalfVector)
    text_hash: Mapped[str] = mapped_column(String(64))
    source_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_paper_embeddings_model", "model"),)


class IngestRun(Base):
    """One run of an ingest source, with its report and the cursor to resume from."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    # Identifies "the same harvest" so an interrupted run is resumed, e.g. "cs:2026-11-01:2026-11-21".
    params_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cursor: Mapped[str | None] = mapped_column(Text)  # e.g. an OAI-PMH resumption token
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[dict]] = mapped_column(JSONList, default=list)  # [{"key", "reason"}]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_ingest_runs_source_params", "source", "params_key"),)
