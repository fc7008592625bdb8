"""every Hugging Face field kept: AI summary and keywords, media, organizations, submitters

Revision ID: 0014
Revises: 0013

Both backends. On ``papers``: ``ai_summary`` (+ ``ai_summary_model``), ``ai_keywords``,
``thumbnail``, ``media_urls``, ``discussion_id``, ``github_repo_added_by`` as Hugging Face
sends them; ``local_keywords`` (+ ``local_keywords_hash``, the embedded text's hash they were
computed from) for papers HF gave none (embed/keywords.py); ``organization_id``, an id of the new
``organizations`` table (an HF organization: name, full name, avatar). On
``daily_entries``: ``submitter``, the submitting user as HF describes them (a JSON object).
docs/hf-fields.md lists each field, where it is stored, shown and served.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

PAPER_COLUMNS = (
    ("ai_summary", sa.Text()),
    ("ai_summary_model", sa.String(255)),
    ("ai_keywords", JSON),
    ("local_keywords", JSON),
    ("local_keywords_hash", sa.String(64)),
    ("thumbnail", sa.String(512)),
    ("media_urls", JSON),
    ("discussion_id", sa.String(64)),
    ("github_repo_added_by", sa.String(32)),
)


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("name", sa.String(96), nullable=False, unique=True),
        sa.Column("fullname", sa.String(255)),
        sa.Column("avatar", sa.String(512)),
        sa.Column("hf_id", sa.String(64)),
        sa.Column("updated_at", TIME, nullable=False),
    )
    # Plain nullable ADD COLUMNs: no table copy on SQLite, no rewrite on PostgreSQL.
    for name, type_ in PAPER_COLUMNS:
        op.add_column("papers", sa.Column(name, type_, nullable=True))
    # No foreign key: SQLite can neither add one in place nor drop the column again without
    # copying papers (whose own dependants would cascade). Organizations are never deleted,
    # and a dangling id would only show no organization (a left join).
    op.add_column("papers", sa.Column("organization_id", BIG_ID, nullable=True))
    op.create_index("ix_papers_organization_id", "papers", ["organization_id"])
    op.add_column("daily_entries", sa.Column("submitter", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("daily_entries", "submitter")
    op.drop_index("ix_papers_organization_id", table_name="papers")
    op.drop_column("papers", "organization_id")
    for name, _type in reversed(PAPER_COLUMNS):
        op.drop_column("papers", name)
    op.drop_table("organizations")
