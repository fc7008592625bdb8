"""keyword search on PostgreSQL: weighted tsvector and filter indexes

Revision ID: 0002
Revises: 0001

PostgreSQL only: SQLite searches with the tantivy index derived from the store, so this
revision does nothing there. Generated columns need immutable expressions: the text search
configuration is spelled as a ``regconfig`` constant, and authors go through
``jsonb_to_tsvector`` (immutable with an explicit configuration), which also keeps a phrase
from spanning two author names. The author filter matches the weight-C lexemes of this same
column, so it needs no index of its own: one fewer GIN index to maintain on every insert.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEARCH_TSV = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
    || setweight(jsonb_to_tsvector('english'::regconfig, coalesce(authors, '[]'::jsonb),
                                   '["string"]'::jsonb), 'C')
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE papers ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({SEARCH_TSV}) STORED"
    )
    op.execute("CREATE INDEX ix_papers_search_tsv ON papers USING gin (search_tsv)")
    op.execute("CREATE INDEX ix_papers_categories ON papers USING gin (categories jsonb_path_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_papers_categories")
    op.execute("DROP INDEX IF EXISTS ix_papers_search_tsv")
    op.execute("ALTER TABLE papers DROP COLUMN IF EXISTS search_tsv")
