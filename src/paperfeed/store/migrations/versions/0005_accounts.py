"""accounts: users, sessions, API tokens, emailed one-time tokens, rate-limit counters

Revision ID: 0005
Revises: 0004

Both backends. Only hashes of session, API and emailed tokens are stored. Uniqueness of
usernames and emails is enforced on their case-folded ``*_key`` columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def _user_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("username_key", sa.String(32), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("fullname", sa.String(128)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email_verified_at", TIME),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("password_changed_at", TIME, nullable=False),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        _user_fk(),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME),
        _user_fk(),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "one_time_tokens",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME),
        _user_fk(),
    )
    op.create_index("ix_one_time_tokens_user_id", "one_time_tokens", ["user_id"])
    op.create_table(
        "rate_limit_counters",
        sa.Column("bucket", sa.String(255), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )
    op.create_index("ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
    op.drop_table("one_time_tokens")
    op.drop_table("api_tokens")
    op.drop_table("user_sessions")
    op.drop_table("users")
