"""SQLAlchemy 2.0 typed models: the system of record. Schema changes only through Alembic.

The email digests' tables are in :mod:`paperfeed.store.digest_models`, on the same ``Base``.
"""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from paperfeed.store.types import HalfVector, JSONList, JSONOrNull, UTCDateTime

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
    # What keyword search indexes for title and abstract (paperfeed.text.search_text: the
    # readable text without LaTeX, plus the ASCII spelling of accented words) where that is
    # not the source itself, else NULL; written with them by ingest.upsert (migration 0011).
    title_search: Mapped[str | None] = mapped_column(Text)
    abstract_search: Mapped[str | None] = mapped_column(Text)
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
    # Denormalised total shown everywhere: ``imported_upvotes`` + one per ``paper_votes`` row,
    # kept in step in the transaction that writes a vote (see service/votes.py).
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    # The count an import source (Hugging Face, page dumps) last reported; votes come on top.
    imported_upvotes: Mapped[int] = mapped_column(Integer, default=0)
    num_comments: Mapped[int] = mapped_column(Integer, default=0)
    # Comments written here that readers see (neither deleted nor hidden); kept apart from
    # ``num_comments`` (what an import source reports) so a re-import never overwrites it.
    local_comments: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What Hugging Face says of the paper, as it says it (migration 0014, docs/hf-fields.md).
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_summary_model: Mapped[str | None] = mapped_column(String(255))
    ai_keywords: Mapped[list[str] | None] = mapped_column(JSONOrNull)
    thumbnail: Mapped[str | None] = mapped_column(String(512))
    media_urls: Mapped[list[str] | None] = mapped_column(JSONOrNull)
    discussion_id: Mapped[str | None] = mapped_column(String(64))
    github_repo_added_by: Mapped[str | None] = mapped_column(String(32))
    # Keywords computed here (embed/keywords.py) for papers HF gave none, and the hash of the
    # embedded text (``PaperEmbedding.text_hash``) they were computed from.
    local_keywords: Mapped[list[str] | None] = mapped_column(JSONOrNull)
    local_keywords_hash: Mapped[str | None] = mapped_column(String(64))
    # No foreign key (see migration 0014): organizations are never deleted.
    organization_id: Mapped[int | None] = mapped_column(BigId, index=True)

    entry: Mapped[DailyEntry | None] = relationship(back_populates="paper", uselist=False)
    # selectin: one query per page of papers, and none when no paper of it has one.
    organization: Mapped[Organization | None] = relationship(
        primaryjoin="foreign(Paper.organization_id) == Organization.id",
        lazy="selectin",
        viewonly=True,
    )

    __table_args__ = (Index("ix_papers_published_at", "published_at"),)


class DailyEntry(Base):
    """A paper's place on the daily feed: the day it is shown, which differs from arXiv's date."""

    __tablename__ = "daily_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), unique=True)
    day: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(128))  # a username (HF data: theirs)
    # The account that submitted it here (``/submit``); None for imported entries.
    submitted_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))  # which ingest source created it
    # The submitter as Hugging Face describes them ({"_id", "avatarUrl", "fullname", "user",
    # "name", "type", "isPro", ...}: ingest/hf_fields.py keeps the known scalar keys).
    submitter: Mapped[dict | None] = mapped_column(JSONOrNull)
    # Set by an admin: shown first, and marked, on the entry's day (service/moderation.py).
    featured: Mapped[bool] = mapped_column(Boolean, default=False)

    paper: Mapped[Paper] = relationship(back_populates="entry")

    __table_args__ = (Index("ix_daily_entries_day_submitted_at", "day", "submitted_at"),)


class Organization(Base):
    """A Hugging Face organization that papers are listed under (``organization`` in HF's
    JSON): its handle ``name`` (unique, as in huggingface.co/{name}), full name and avatar."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(96), unique=True)
    fullname: Mapped[str | None] = mapped_column(String(255))
    avatar: Mapped[str | None] = mapped_column(String(512))
    hf_id: Mapped[str | None] = mapped_column(String(64))  # HF's ``_id``
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


# ---------------------------------------------------------------- accounts (issue 4)


class User(Base):
    """A community member. ``username_key`` and ``email_key`` are the case-folded forms that
    uniqueness is enforced on; ``username`` and ``email`` keep what the person typed."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    fullname: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | admin
    # None until the emailed sign-up link is followed; unconfirmed accounts cannot log in.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by an admin: a banned account cannot log in, and its API tokens are refused.
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    banned_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped by the database (triggers, migration 0016) on every write to the member's own
    # rows (votes, library, feedback, follows, comments, prefs, subscriptions, claims), and
    # ``seen_state`` on their seen papers: the keys of member pages' per-process caches of
    # their pages (docs/member-pages.md).
    member_state: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    seen_state: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    leaked database cannot be replayed as cookies."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # for the idle timeout
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute lifetime


class ApiToken(Base):
    """A personal API token (Bearer), shown once at creation; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the token's first characters, for display
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OneTimeToken(Base):
    """An emailed single-use link: password reset or sign-up confirmation."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # reset | verify
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitCounter(Base):
    """Hits of one client in one fixed window, e.g. ``login-ip:203.0.113.9:29474``.

    In the database so that every web worker counts the same hits; rows past ``expires_at``
    are deleted as new windows open.
    """

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# ---------------------------------------------------------------- votes (issue 4)


class PaperVote(Base):
    """One member's upvote of one paper, with its time (trending decays each vote by its age).

    ``users.id`` is referenced without ON DELETE CASCADE on purpose: deleting an account goes
    through the votes' ``ACCOUNT_DELETION_HOOKS`` entry, which also lowers the papers' counts;
    a delete that bypassed it would fail instead of leaving the counts wrong.
    """

    __tablename__ = "paper_votes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # (paper_id, created_at): a window's votes and their times from the index alone
        # (the for-you list sums thousands of papers' votes; migration 0013).
        Index("ix_paper_votes_paper_created", "paper_id", "created_at"),
        Index("ix_paper_votes_created_at", "created_at"),
    )


# ---------------------------------------------------------------- comments (issue 4)


class Comment(Base):
    """A comment on a paper, or a reply to one (``parent_id``), in Markdown.

    ``body_html`` is ``body`` rendered and sanitized (:mod:`paperfeed.service.markdown`) once,
    when the comment is written or edited, never when it is shown. A deleted comment that has replies stays as a
    placeholder with an empty body, so the thread keeps its shape; one without replies is
    removed. ``user_id`` is None once its author deleted the account.
    """

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)  # 0 for a top-level comment
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # by a moderator
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_comments_paper_id_id", "paper_id", "id"),)


# ---------------------------------------------------------------- authors and moderation (issue 4)


class AuthorClaim(Base):
    """A member's claim to be one of a paper's authors (``author_name``, as the paper lists
    it). ``status``: pending, approved or rejected (by an admin). One claim per (user, paper);
    each author name of a paper has at most one approved claim (a partial unique index)."""

    __tablename__ = "author_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(512))
    author_key: Mapped[str] = mapped_column(String(512))  # case-folded, spaces collapsed
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("user_id", "paper_id", name="uq_author_claims_user_paper"),
        Index(
            "uq_author_claims_approved_name",
            "paper_id",
            "author_key",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
    )


class AdminAction(Base):
    """One moderation action, for the log: who (``admin_name`` stays if the account goes),
    what (``action``), on what (``target_type`` + ``target``), when, and why (optional)."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    admin_name: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))  # paper | comment | user | claim
    target: Mapped[str] = mapped_column(String(128))  # arXiv id, comment id, username, claim id
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
