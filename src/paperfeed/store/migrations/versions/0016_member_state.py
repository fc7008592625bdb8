"""a member's state counter: ``users.member_state``, bumped by the database on each of their writes

Revision ID: 0016
Revises: 0015

Both backends. ``users.member_state`` (0 to start) is incremented by triggers, in the
transaction of the write, whenever a row of the member's own state is inserted, updated or
deleted: votes, collections and their items, feedback, follows, comments, seen papers,
reader preferences, digest subscriptions, author claims. Triggers, not application code, so
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
    "paper_seen",
    "reader_prefs",
    "subscriptions",
    "author_claims",
)
BUMP = "UPDATE users SET member_state = member_state + 1 WHERE id = {}.user_id"
PG_FUNCTION = """
CREATE FUNCTION paperfeed_bump_member_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET member_state = member_state + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
        UPDATE users SET member_state = member_state + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$
"""


def _sqlite_triggers(table: str):
    yield f"CREATE TRIGGER {table}_member_state_i AFTER INSERT ON {table} BEGIN {BUMP.format('NEW')}; END"
    yield f"CREATE TRIGGER {table}_member_state_d AFTER DELETE ON {table} BEGIN {BUMP.format('OLD')}; END"
    yield (
        f"CREATE TRIGGER {table}_member_state_u AFTER UPDATE ON {table} BEGIN "
        f"{BUMP.format('OLD')}; {BUMP.format('NEW')} AND NEW.user_id IS NOT OLD.user_id; END"
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("member_state", sa.BigInteger(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_member_state AFTER INSERT OR UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION paperfeed_bump_member_state()"
            )
    else:
        for table in TABLES:
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_member_state ON {table}")
        op.execute("DROP FUNCTION paperfeed_bump_member_state()")
    else:
        for table in TABLES:
            for suffix in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER {table}_member_state_{suffix}")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("member_state")
