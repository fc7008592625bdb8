"""feed entries indexed by ``(day, submitted_at)``, in place of ``day`` alone

Revision ID: 0017
Revises: 0016

The newest posting on the feed (``service.trending.latest_activity``, asked by every trending
surface on every request) is the first visible entry in ``day, submitted_at`` order: with
both columns in the index it is an index walk that stops at its first row, where an index on
``day`` alone made the database sort the newest day's entries (~300 on arXiv cs) first. Range
reads by ``day`` use the new index's prefix as they used the old one.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daily_entries") as batch_op:
        batch_op.create_index("ix_daily_entries_day_submitted_at", ["day", "submitted_at"])
        batch_op.drop_index("ix_daily_entries_day")


def downgrade() -> None:
    with op.batch_alter_table("daily_entries") as batch_op:
        batch_op.create_index("ix_daily_entries_day", ["day"])
        batch_op.drop_index("ix_daily_entries_day_submitted_at")
