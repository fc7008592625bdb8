"""papers' full text from arXiv HTML: fetch state, compressed Markdown, searchable passages

Revision ID: 0015
Revises: 0014

Both backends. ``paper_fulltext`` (one row per paper the full-text job has tried: status,
attempts, next try, error, the zlib-compressed Markdown and a write sequence for the derived
passage index) and ``fulltext_passages`` (the passages full-text search matches). On
PostgreSQL the passages get a generated ``tsv`` column (English configuration) and a GIN
index on it; on SQLite a tantivy index beside the keyword one is derived from them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
PASSAGE_TSV = (
    "setweight(to_tsvector('english'::regconfig, coalesce(section, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(text, '')), 'D')"
)


def upgrade() -> None:
    op.create_table(
        "paper_fulltext",
        sa.Column("paper_id", BIG_ID, primary_key=True, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", TIME, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", TIME, nullable=False),
        sa.Column("markdown_z", sa.LargeBinary(), nullable=True),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("seq", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_paper_fulltext_seq", "paper_fulltext", ["seq"])
    op.create_index("ix_paper_fulltext_next_try", "paper_fulltext", ["status", "next_try_at"])
    op.create_table(
        "fulltext_passages",
        sa.Column("paper_id", BIG_ID, primary_key=True, nullable=False),
        sa.Column("ord", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper_fulltext.paper_id"], ondelete="CASCADE"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE fulltext_passages ADD COLUMN tsv tsvector"
            f" GENERATED ALWAYS AS ({PASSAGE_TSV}) STORED"
        )
        op.execute("CREATE INDEX ix_fulltext_passages_tsv ON fulltext_passages USING gin (tsv)")


def downgrade() -> None:
    op.drop_table("fulltext_passages")
    op.drop_index("ix_paper_fulltext_next_try", table_name="paper_fulltext")
    op.drop_index("ix_paper_fulltext_seq", table_name="paper_fulltext")
    op.drop_table("paper_fulltext")
