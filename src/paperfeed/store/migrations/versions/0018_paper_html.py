"""paper_html: papers' title and abstract as HTML, rendered once after they are written

Revision ID: 0018
Revises: 0017

One row per rendered paper (paperfeed/text/paper_html.py): the renderer's ``version`` and
the ``source_hash`` of the text it was made from, the title, the card's excerpt (NULL where
the abstract is short enough to show whole) and the abstract's paragraphs (joined by U+001E,
which no paragraph holds: str.split() counts it as a space).
Empty here: views render a paper without a row themselves, and the next ``paperfeed index
sync`` or ingest fills it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "paper_html",
        sa.Column(
            "paper_id", BIG_ID, sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("source_hash", sa.String(32), nullable=False),
        sa.Column("title_html", sa.Text(), nullable=False),
        sa.Column("excerpt_html", sa.Text()),
        sa.Column("abstract_html", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("paper_html")
