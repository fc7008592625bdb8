"""votes: one upvote per user per paper, with its time (trending reads them)

Revision ID: 0006
Revises: 0005

Both backends. ``papers.upvotes`` stays the total every page shows; the count an import
reported moves to ``papers.imported_upvotes`` (the base) and each ``paper_votes`` row adds one
on top. ``paper_votes.user_id`` has no ON DELETE CASCADE: account deletion goes through a hook
that also lowers the counts (docs/votes.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A plain ADD COLUMN on both backends (no batch copy of the papers table).
    op.add_column(
        "papers",
        sa.Column("imported_upvotes", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute("UPDATE papers SET imported_upvotes = upvotes")
    op.create_table(
        "paper_votes",
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("paper_id", BIG_ID, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "paper_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_paper_votes_paper_id", "paper_votes", ["paper_id"])
    op.create_index("ix_paper_votes_created_at", "paper_votes", ["created_at"])


def downgrade() -> None:
    op.drop_table("paper_votes")
    # Without vote rows the total is the imported count again.
    op.execute("UPDATE papers SET upvotes = imported_upvotes")
    op.drop_column("papers", "imported_upvotes")
