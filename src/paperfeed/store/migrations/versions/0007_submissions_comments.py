"""submissions and comments

Revision ID: 0007
Revises: 0006

Both backends. ``daily_entries.submitted_by_user_id`` names the account that submitted a
paper through ``/submit`` (imported entries keep only the ``submitted_by`` username);
``papers.local_comments`` counts the comments readers see; ``comments`` holds threads of
Markdown comments (the source only: it is sanitized every time it is rendered).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): papers is the big table.
    op.add_column(
        "papers",
        sa.Column("local_comments", sa.Integer(), nullable=False, server_default="0"),
    )
    # SQLite cannot add a foreign key to a table in place: batch mode copies daily_entries.
    with op.batch_alter_table("daily_entries") as batch:
        batch.add_column(sa.Column("submitted_by_user_id", BIG_ID))
        batch.create_foreign_key(
            "fk_daily_entries_submitted_by_user_id",
            "users",
            ["submitted_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_daily_entries_submitted_by_user_id", ["submitted_by_user_id"])
    op.create_table(
        "comments",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("paper_id", BIG_ID, nullable=False),
        sa.Column("parent_id", BIG_ID),
        sa.Column("user_id", BIG_ID),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("edited_at", TIME),
        sa.Column("deleted_at", TIME),
        sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("hidden_at", TIME),
        sa.Column("hidden_by", BIG_ID),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["hidden_by"], ["users.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_comments_paper_id_id", "comments", ["paper_id", "id"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_index("ix_comments_user_id", "comments", ["user_id"])


def downgrade() -> None:
    op.drop_table("comments")
    with op.batch_alter_table("daily_entries") as batch:
        batch.drop_index("ix_daily_entries_submitted_by_user_id")
        batch.drop_constraint("fk_daily_entries_submitted_by_user_id", type_="foreignkey")
        batch.drop_column("submitted_by_user_id")
    # A plain DROP COLUMN (SQLite 3.35+), like the ADD COLUMN: batch mode would copy papers
    # and drop the original, which SQLite refuses (or, with ON DELETE CASCADE, empties the
    # tables that point at it) while foreign keys are on.
    op.drop_column("papers", "local_comments")
