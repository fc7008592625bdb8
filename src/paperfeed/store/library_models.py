"""A member's own research tables (issue 15, migration 0013): collections of saved papers,
follows, feedback on papers, papers seen and the for-you settings. (Which papers a personal
digest already suggested is :class:`paperfeed.store.digest_models.DigestSuggestion`.)

On the same ``Base`` as :mod:`paperfeed.store.models`; like the digest tables, code that
takes ``Base.metadata`` as the whole schema (the migrations' env, the database copy) imports
this module. Every row belongs to one member and goes with the account (``ON DELETE
CASCADE`` on ``users.id``, enforced on SQLite by the ``foreign_keys`` pragma).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from paperfeed.store.models import Base, BigId
from paperfeed.store.types import JSONList, UTCDateTime


class Collection(Base):
    """A member's named list of papers. Every member has at most one default collection,
    "Saved" (``is_default``), made on first save. ``public`` ones are shown to anyone at
    ``/collections/{share_key}``; a private one is a 404 for everyone but its owner.
    ``name_key`` is the case-folded name: names are unique per member in that form."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Random and unguessable: a public collection's URL says nothing about its owner or id.
    share_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "name_key", name="uq_collections_user_name"),
        Index(
            "uq_collections_user_default",
            "user_id",
            unique=True,
            sqlite_where=sql_text("is_default"),
            postgresql_where=sql_text("is_default"),
        ),
    )


class CollectionItem(Base):
    """One paper in one collection, with the member's note and tags (plain text, shown
    escaped). ``user_id`` repeats the collection's owner so that "which of these papers has
    this member saved?" (every card of a member's page) is one index lookup, no join."""

    __tablename__ = "collection_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_collection_items_user_paper", "user_id", "paper_id"),
        Index("ix_collection_items_collection_added", "collection_id", "added_at"),
        Index("ix_collection_items_paper_id", "paper_id"),
    )


class Follow(Base):
    """Something a member follows: ``kind`` author (``key`` the case-folded author name;
    ``author_user_id`` when it is a claimed member), category (``key`` the arXiv code, e.g.
    ``cs.CL``) or topic (a saved search: ``query`` and ``mode``, ``key`` their normalised
    form). ``label`` is what cards say brought a paper ("Yann LeCun", "cs.CL", "diffusion")."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # author | category | topic
    key: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255))
    query: Mapped[str | None] = mapped_column(String(200))  # topics only
    mode: Mapped[str | None] = mapped_column(String(16))  # topics only: keyword | semantic | hybrid
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key", name="uq_follows_user_kind_key"),
        Index("ix_follows_kind_key", "kind", "key"),
    )


class PaperFeedback(Base):
    """A member's explicit signal on a paper: ``kind`` more (more like this) or
    not_interested (which also hides the paper from their for-you list). One per (member,
    paper); undoing deletes the row."""

    __tablename__ = "paper_feedback"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_paper_feedback_paper_id", "paper_id"),)


class PaperSeen(Base):
    """A paper a member has seen (opened its page, or got it in a personal digest), for the
    for-you option "hide papers I have seen"."""

    __tablename__ = "paper_seen"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_paper_seen_paper_id", "paper_id"),)


class ReaderPrefs(Base):
    """A member's for-you settings: ``mix`` is the weight of personal relevance against the
    community's trending signal (1.0 only mine, 0.0 only the community; the formula is in
    :mod:`paperfeed.recommend`), ``days`` the window (1, 7 or 30), ``hide_seen``. The private
    Atom feed's token is stored as its SHA-256 only; making a new one revokes the old."""

    __tablename__ = "reader_prefs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mix: Mapped[float] = mapped_column(Float, default=0.7)
    days: Mapped[int] = mapped_column(Integer, default=7)
    hide_seen: Mapped[bool] = mapped_column(Boolean, default=False)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    feed_token_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the member finished (or skipped) the cold-start picks.
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
