"""a member's research feed: library, follows, feedback, for-you settings

Revision ID: 0013
Revises: 0012

Both backends. ``collections`` and ``collection_items`` (a member's library: a default
"Saved" collection, one per member by a partial unique index, and named ones with notes and
tags per paper); ``follows`` (authors, arXiv categories and topics); ``paper_feedback``
("more like this", "not interested"); ``paper_seen``; ``reader_prefs`` (the for-you mix,
window, hide-seen option and the private feed token's hash); ``digest_suggestions`` (the
papers a personal digest suggested, never again, with their place and reason in it). Every
row goes with its member's account (ON DELETE CASCADE). And ``paper_votes``' index on
paper_id becomes one on (paper_id, created_at), for the for-you list's trending part.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _user(column: str = "user_id", *, primary_key: bool = False) -> list:
    return [
        sa.Column(column, BIG_ID, primary_key=primary_key, nullable=False),
        sa.ForeignKeyConstraint([column], ["users.id"], ondelete="CASCADE"),
    ]


def _paper(*, primary_key: bool = False) -> list:
    return [
        sa.Column("paper_id", BIG_ID, primary_key=primary_key, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    # over 60 lines because a migration is a frozen record of the schema: splitting it buys nothing.
    op.create_table(
        "collections",
        sa.Column("id", BIG_ID, primary_key=True),
        *_user(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("share_key", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("user_id", "name_key", name="uq_collections_user_name"),
    )
    op.create_index(
        "uq_collections_user_default",
        "collections",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "collection_items",
        sa.Column("collection_id", BIG_ID, primary_key=True),
        *_paper(primary_key=True),
        *_user(),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tags", JSON_LIST, nullable=False),
        sa.Column("added_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_collection_items_user_paper", "collection_items", ["user_id", "paper_id"])
    op.create_index(
        "ix_collection_items_collection_added", "collection_items", ["collection_id", "added_at"]
    )
    op.create_index("ix_collection_items_paper_id", "collection_items", ["paper_id"])
    op.create_table(
        "follows",
        sa.Column("id", BIG_ID, primary_key=True),
        *_user(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("query", sa.String(200)),
        sa.Column("mode", sa.String(16)),
        sa.Column("author_user_id", BIG_ID),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["author_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.UniqueConstraint("user_id", "kind", "key", name="uq_follows_user_kind_key"),
    )
    op.create_index("ix_follows_kind_key", "follows", ["kind", "key"])
    op.create_index("ix_follows_author_user_id", "follows", ["author_user_id"])
    op.create_table(
        "paper_feedback",
        *_user(primary_key=True),
        *_paper(primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_paper_feedback_paper_id", "paper_feedback", ["paper_id"])
    op.create_table(
        "paper_seen",
        *_user(primary_key=True),
        *_paper(primary_key=True),
        sa.Column("seen_at", TIME, nullable=False),
    )
    op.create_index("ix_paper_seen_paper_id", "paper_seen", ["paper_id"])
    op.create_table(
        "reader_prefs",
        *_user(primary_key=True),
        sa.Column("mix", sa.Float(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("hide_seen", sa.Boolean(), nullable=False),
        sa.Column("feed_token_hash", sa.String(64), unique=True),
        sa.Column("feed_token_created_at", TIME),
        sa.Column("onboarded_at", TIME),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "digest_suggestions",
        *_user(primary_key=True),
        *_paper(primary_key=True),
        sa.Column("outbox_id", BIG_ID),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("suggested_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["digest_outbox.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_digest_suggestions_outbox_id", "digest_suggestions", ["outbox_id"])
    _votes_by_paper_and_time()


def _votes_by_paper_and_time() -> None:
    """The for-you list sums the votes of a window's papers: (paper_id, created_at) answers
    that from the index alone, and still serves lookups by paper_id, so it replaces 0006's."""
    op.create_index("ix_paper_votes_paper_created", "paper_votes", ["paper_id", "created_at"])
    op.drop_index("ix_paper_votes_paper_id", table_name="paper_votes")


def downgrade() -> None:
    op.create_index("ix_paper_votes_paper_id", "paper_votes", ["paper_id"])
    op.drop_index("ix_paper_votes_paper_created", table_name="paper_votes")
    for table in (
        "digest_suggestions",
        "reader_prefs",
        "paper_seen",
        "paper_feedback",
        "follows",
        "collection_items",
        "collections",
    ):
        op.drop_table(table)
