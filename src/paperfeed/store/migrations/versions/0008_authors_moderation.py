"""authors and moderation

Revision ID: 0008
Revises: 0007

Both backends. ``author_claims``: a member says they are one of a paper's authors; an admin
approves or rejects. One claim per (user, paper); a partial unique index lets each author name
of a paper have one approved claim at most. ``admin_actions``: the moderation log (who, what,
target, when, why). ``users.banned_at`` / ``banned_reason``: banned accounts cannot log in or
write. ``daily_entries.featured``: an admin features a paper on its day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
APPROVED = sa.text("status = 'approved'")


def upgrade() -> None:
    # Plain ADD COLUMNs (no table copy).
    op.add_column("users", sa.Column("banned_at", TIME))
    op.add_column("users", sa.Column("banned_reason", sa.Text()))
    op.add_column(
        "daily_entries",
        sa.Column("featured", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "author_claims",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("paper_id", BIG_ID, nullable=False),
        sa.Column("author_name", sa.String(512), nullable=False),
        sa.Column("author_key", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("decided_at", TIME),
        sa.Column("decided_by", BIG_ID),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.UniqueConstraint("user_id", "paper_id", name="uq_author_claims_user_paper"),
    )
    op.create_index("ix_author_claims_paper_id", "author_claims", ["paper_id"])
    op.create_index("ix_author_claims_status", "author_claims", ["status"])
    op.create_index(
        "uq_author_claims_approved_name",
        "author_claims",
        ["paper_id", "author_key"],
        unique=True,
        sqlite_where=APPROVED,
        postgresql_where=APPROVED,
    )
    op.create_table(
        "admin_actions",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("admin_id", BIG_ID),
        sa.Column("admin_name", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["users.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_admin_actions_created_at", "admin_actions", ["created_at"])


def downgrade() -> None:
    op.drop_table("admin_actions")
    op.drop_table("author_claims")
    # Plain DROP COLUMNs, like the ADD COLUMNs above (SQLite 3.35+ has them). Batch mode
    # would copy ``users`` and drop the original, which SQLite refuses with foreign keys on
    # while sessions, votes or comments point at its rows.
    op.drop_column("daily_entries", "featured")
    op.drop_column("users", "banned_reason")
    op.drop_column("users", "banned_at")
