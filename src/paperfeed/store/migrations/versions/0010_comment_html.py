"""stored comment HTML

Revision ID: 0010
Revises: 0009

Both backends. ``comments.body_html``: the sanitized HTML of ``body``, rendered once when the
comment is written or edited (issue 12: rendering on every view let one member slow every
page). Existing comments are rendered here with the same function the service uses; deleted
placeholders keep an empty string.
"""

import sqlalchemy as sa
from alembic import op

from paperfeed.service.markdown import render_markdown

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 500
COMMENTS = sa.table(
    "comments", sa.column("id", sa.BigInteger()), sa.column("body"), sa.column("body_html")
)


def upgrade() -> None:
    # A plain ADD COLUMN with a default (no table copy on SQLite).
    op.add_column("comments", sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    last = 0
    while True:  # by id, in batches, so a large table is never held in memory at once
        rows = bind.execute(
            sa.select(COMMENTS.c.id, COMMENTS.c.body)
            .where(COMMENTS.c.id > last, COMMENTS.c.body != "")
            .order_by(COMMENTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for comment_id, body in rows:
            bind.execute(
                sa.update(COMMENTS)
                .where(COMMENTS.c.id == comment_id)
                .values(body_html=render_markdown(body))
            )
        last = rows[-1][0]


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), like 0008: batch mode would copy ``comments``.
    op.drop_column("comments", "body_html")
