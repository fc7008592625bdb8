"""search text of titles and abstracts, and PostgreSQL keyword search over it

Revision ID: 0011
Revises: 0010

Both backends. ``papers.title_search`` and ``papers.abstract_search``: what keyword search
indexes, the title and abstract without LaTeX debris (``na\\"{\\i}vely`` -> naïvely,
``MVD$^2$`` -> MVD², issue 13) plus the ASCII spelling of accented words (naively), NULL where
that is the source itself (most papers), filled here for the papers already stored with the
same function ingest uses (paperfeed.text.search_text). On PostgreSQL ``search_tsv`` is
generated from them, so a search for "naive" finds ``na\\"{\\i}ve``: a generated column's
expression cannot be altered, so it is dropped and added again (with its GIN index) and the
term statistics are recounted. SQLite's tantivy index reads the same columns and rebuilds
itself (its format version went up).
"""

import sqlalchemy as sa
from alembic import op

from paperfeed.text.search_text import search_text_or_none

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1000
PAPERS = sa.table(
    "papers",
    sa.column("id", sa.BigInteger()),
    sa.column("title"),
    sa.column("abstract"),
    sa.column("title_search"),
    sa.column("abstract_search"),
)
AUTHORS_TSV = """setweight(jsonb_to_tsvector('english'::regconfig, coalesce(authors, '[]'::jsonb),
                                   '["string"]'::jsonb), 'C')"""
SEARCH_TSV = {
    "upgrade": f"""
    setweight(to_tsvector('english'::regconfig, coalesce(title_search, title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(abstract_search, abstract, '')), 'B')
    || {AUTHORS_TSV}""",
    "downgrade": f"""
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
    || {AUTHORS_TSV}""",
}


def upgrade() -> None:
    # Plain ADD COLUMNs, nullable: no table copy on SQLite, no rewrite on PostgreSQL.
    op.add_column("papers", sa.Column("title_search", sa.Text(), nullable=True))
    op.add_column("papers", sa.Column("abstract_search", sa.Text(), nullable=True))
    _fill()
    _search_tsv("upgrade")


def _fill() -> None:
    bind = op.get_bind()
    last = 0
    while True:  # by id, in batches, so a large table is never held in memory at once
        rows = bind.execute(
            sa.select(PAPERS.c.id, PAPERS.c.title, PAPERS.c.abstract)
            .where(PAPERS.c.id > last)
            .order_by(PAPERS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for paper_id, title, abstract in rows:
            values = {
                "title_search": search_text_or_none(title),
                "abstract_search": search_text_or_none(abstract),
            }
            if any(v is not None for v in values.values()):
                bind.execute(sa.update(PAPERS).where(PAPERS.c.id == paper_id).values(**values))
        last = rows[-1][0]


def _search_tsv(direction: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_papers_search_tsv")
    op.execute("ALTER TABLE papers DROP COLUMN search_tsv")
    op.execute(
        "ALTER TABLE papers ADD COLUMN search_tsv tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_TSV[direction]}) STORED"
    )
    op.execute("CREATE INDEX ix_papers_search_tsv ON papers USING gin (search_tsv)")
    # The lexemes changed: recount them as 0004 does (spelled out so this never changes).
    op.execute("SELECT set_config('work_mem', '256MB', true)")
    op.execute("DELETE FROM search_terms")
    op.execute(
        """
        INSERT INTO search_terms (lexeme, docs)
        SELECT lexeme, count(*) FROM papers, unnest(tsvector_to_array(search_tsv)) AS lexeme
        GROUP BY lexeme
        """
    )
    op.execute("DELETE FROM search_terms_state")
    op.execute(
        """
        INSERT INTO search_terms_state (papers, lexemes, through_id)
        SELECT count(*), coalesce(sum(length(search_tsv)), 0), coalesce(max(id), 0) FROM papers
        """
    )
    op.execute("RESET work_mem")


def downgrade() -> None:
    _search_tsv("downgrade")
    # Plain DROP COLUMNs (SQLite 3.35+), like 0010: batch mode would copy ``papers``.
    op.drop_column("papers", "abstract_search")
    op.drop_column("papers", "title_search")
