"""paper embeddings: float16 bytes on SQLite, pgvector halfvec on PostgreSQL

Revision ID: 0003
Revises: 0002

One row per paper (the embedding under the configured model). On PostgreSQL the pgvector
extension is created here (it needs a role allowed to create extensions; pgvector >= 0.7 for
``halfvec``). The column has no fixed dimension so the model stays configurable: a vector
index casts to ``halfvec(dim)`` in an expression index, per model.
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import HALFVEC

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
VECTOR = sa.LargeBinary().with_variant(HALFVEC(), "postgresql")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "paper_embeddings",
        sa.Column("paper_id", BIG_ID, nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", VECTOR, nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("source_seq", BIG_ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id"),
    )
    op.create_index("ix_paper_embeddings_model", "paper_embeddings", ["model"])


def downgrade() -> None:
    op.drop_index("ix_paper_embeddings_model", table_name="paper_embeddings")
    op.drop_table("paper_embeddings")
    # The vector extension is left in place: other objects may use it.
