"""keyword search on PostgreSQL: document frequencies of the search lexemes

Revision ID: 0004
Revises: 0003

PostgreSQL only, like 0002. ``search_terms`` holds, per lexeme of ``papers.search_tsv``, how
many papers contain it; ``search_terms_state`` (one row) how many papers were counted, their
total number of distinct lexemes (for the average document length) and the highest
``papers.id`` counted. BM25 ranking reads them for its IDF and for choosing candidates by their
rarest terms (:mod:`paperfeed.search.pg_term_stats` refreshes them). The upgrade counts the
papers already stored, so an existing site ranks well at once: about 5 s per 80k papers.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE search_terms (lexeme text PRIMARY KEY, docs integer NOT NULL)")
    op.execute(
        """
        CREATE TABLE search_terms_state (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            papers bigint NOT NULL,
            lexemes bigint NOT NULL,
            through_id bigint NOT NULL,
            rebuilt_at timestamptz NOT NULL DEFAULT now(),
            refreshed_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # The same counting as paperfeed.search.pg_term_stats, spelled out so this revision never
    # changes under us; work_mem for the aggregate over every (paper, lexeme) pair, reset after.
    op.execute("SELECT set_config('work_mem', '256MB', true)")
    op.execute(
        """
        INSERT INTO search_terms (lexeme, docs)
        SELECT lexeme, count(*) FROM papers, unnest(tsvector_to_array(search_tsv)) AS lexeme
        GROUP BY lexeme
        """
    )
    op.execute(
        """
        INSERT INTO search_terms_state (papers, lexemes, through_id)
        SELECT count(*), coalesce(sum(length(search_tsv)), 0), coalesce(max(id), 0) FROM papers
        """
    )
    op.execute("RESET work_mem")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_terms_state")
    op.execute("DROP TABLE IF EXISTS search_terms")
