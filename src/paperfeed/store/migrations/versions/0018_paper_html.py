"""papers' title and abstract as HTML, rendered once after they are written

Revision ID: 0018
Revises: 0017

``title_html``, ``excerpt_html`` (NULL where the abstract is short enough to show whole),
``abstract_html`` (a JSON list, a paragraph each) and ``html_version``, the renderer's version
they were made with (paperfeed/text/paper_html.py). All NULL here: views render a paper
without stored HTML themselves, and the next ``paperfeed index sync`` or ingest fills them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Spelled out here, not imported from models, so this revision never changes under us.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
COLUMNS = (
    ("title_html", sa.Text()),
    ("excerpt_html", sa.Text()),
    ("abstract_html", JSON),
    ("html_version", sa.SmallInteger()),
)


def upgrade() -> None:
    # Plain nullable ADD COLUMNs: no table copy on SQLite, no rewrite on PostgreSQL.
    for name, type_ in COLUMNS:
        op.add_column("papers", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("papers", name)
