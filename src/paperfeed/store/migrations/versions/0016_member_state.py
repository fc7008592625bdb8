"""a member's state counters: ``users.member_state`` and ``seen_state``, bumped by the database

Revision ID: 0016
Revises: 0015

Both backends. ``users.member_state`` (0 to start) is incremented by triggers, in the
transaction of the write, whenever a row of the member's own state is inserted, updated or
deleted: votes, collections and their items, feedback, follows, comments, reader
preferences, digest subscriptions, author claims. ``users.seen_state`` likewise for the
papers they have seen (``paper_seen``, written by a member's first view of a paper page):
apart, so that reading a paper does not make every other kept page of the member new; only
the for-you page (which can hide seen papers) is keyed on it. Triggers, not application code, so
that every writer counts (each web worker, the CLI, the API, an import, another instance on
the same database) and no new write path can forget it. Member pages key their per-process
caches of a member's own parts on it (docs/member-pages.md): one indexed read of the session
row tells whether anything the member owns changed since.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Tables whose rows are a member's own state, each with its ``user_id`` column.
TABLES = (
    "paper_votes",
    "collections",
    "collection_items",
    "paper_feedback",
    "follows",
    "comments",
    "reader_prefs",
    "subscriptions",
    "author_claims",
)
COUNTERS = {table: "member_state" for table in TABLES} | {"paper_seen": "seen_state"}
BUMP = "UPDATE users SET {column} = {column} + 1 WHERE id = {row}.user_id"
PG_FUNCTION = """
CREATE FUNCTION paperfeed_bump_{column}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET {column} = {column} + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
        UPDATE users SET {column} = {column} + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$
"""


def _sqlite_triggers(table: str, column: str):
    old, new = (BUMP.format(column=column, row=row) for row in ("OLD", "NEW"))
    name = f"{table}_{column}"
    yield f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} BEGIN {new}; END"
    yield f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} BEGIN {old}; END"
    yield (
        f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} BEGIN "
        f"{old}; {new} AND NEW.user_id IS NOT OLD.user_id; END"
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for column in ("member_state", "seen_state"):
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for column in set(COUNTERS.values()):
            op.execute(PG_FUNCTION.format(column=column))
    for table, column in COUNTERS.items():
        if postgresql:
            op.execute(
                f"CREATE TRIGGER {table}_{column} AFTER INSERT OR UPDATE OR DELETE ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION paperfeed_bump_{column}()"
            )
        else:
            for statement in _sqlite_triggers(table, column):
                op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, column in COUNTERS.items():
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_{column} ON {table}")
        else:
            for suffix in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER {table}_{column}_{suffix}")
    if postgresql:
        for column in set(COUNTERS.values()):
            op.execute(f"DROP FUNCTION paperfeed_bump_{column}()")
    op.drop_column("users", "seen_state")  # ALTER TABLE DROP COLUMN (SQLite 3.35+)
    op.drop_column("users", "member_state")
