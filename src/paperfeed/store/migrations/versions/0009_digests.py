"""email digests

Revision ID: 0009
Revises: 0008

Both backends. ``subscriptions``: an address's daily or weekly digest, optionally of a topic;
unique per (case-folded address, period, topic key) so subscribing again reuses the row.
``digest_outbox``: one row per (subscription, period), written before the digest is sent and
marked after, so a crashed run resumes without sending twice or missing one. ``job_locks``:
one row per (job, period) claimed by one worker at a time.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("topic_query", sa.String(200), nullable=False),
        sa.Column("topic_categories", JSON_LIST, nullable=False),
        sa.Column("topic_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("user_id", BIG_ID),
        sa.Column("token_key", sa.String(64), nullable=False),
        sa.Column("confirm_nonce", sa.String(32)),
        sa.Column("confirm_expires_at", TIME),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("confirmed_at", TIME),
        sa.Column("unsubscribed_at", TIME),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.Text()),
        sa.Column("last_failure_at", TIME),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("email_key", "period", "topic_key", name="uq_subscriptions_topic"),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])
    op.create_index("ix_subscriptions_period_status", "subscriptions", ["period", "status"])
    op.create_table(
        "digest_outbox",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("message_id", sa.String(255)),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("attempted_at", TIME),
        sa.Column("sent_at", TIME),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("subscription_id", "period_key", name="uq_digest_outbox_period"),
    )
    op.create_index("ix_digest_outbox_period_status", "digest_outbox", ["period_key", "status"])
    op.create_table(
        "job_locks",
        sa.Column("job", sa.String(64), primary_key=True),
        sa.Column("period_key", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("acquired_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("finished_at", TIME),
    )


def downgrade() -> None:
    op.drop_table("job_locks")
    op.drop_table("digest_outbox")
    op.drop_table("subscriptions")
