"""Migration 0012 recomputes the stored email keys (issue 12 item 6) on both databases: keys
that the old case folding split apart or joined, a subscription tied to an account only by
the old key, and the way back down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from paperfeed.accounts.users import Account
from paperfeed.digest.subscriptions import list_for_account
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker

BEFORE, AFTER = "0011", "0012"
T = datetime(2026, 11, 1, tzinfo=UTC)
USERS = sa.table(
    "users",
    *(sa.column(c) for c in ("id", "username", "username_key", "email", "email_key")),
    *(sa.column(c) for c in ("password_hash", "role", "created_at", "password_changed_at")),
    sa.column("email_verified_at"),
)
SUBS = sa.table(
    "subscriptions",
    *(sa.column(c) for c in ("id", "email", "email_key", "period", "topic_query")),
    *(sa.column(c) for c in ("topic_key", "status", "user_id", "token_key", "created_at")),
    *(sa.column(c) for c in ("failure_count", "confirmed_at", "topic_categories")),
)


@pytest.fixture
def engine(backend, tmp_path, pg_database):
    url = f"sqlite:///{tmp_path / 'keys.db'}" if backend == "sqlite" else pg_database("keys")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def user(conn, user_id: int, email: str) -> None:
    name = f"user{user_id}"
    conn.execute(
        USERS.insert().values(
            id=user_id,
            username=name,
            username_key=name,
            email=email,
            email_key=email.casefold(),  # the key as the old code made it
            password_hash="x",
            role="member",
            created_at=T,
            password_changed_at=T,
            email_verified_at=T,
        )
    )


def subscription(conn, sub_id: int, email: str, status: str, user_id: int | None = None):
    conn.execute(
        SUBS.insert().values(
            id=sub_id,
            email=email,
            email_key=email.casefold(),
            period="daily",
            topic_query="",
            topic_key="",
            topic_categories="[]" if conn.dialect.name == "sqlite" else sa.text("'[]'::json"),
            status=status,
            user_id=user_id,
            token_key=f"k{sub_id}",
            created_at=T,
            failure_count=0,
            confirmed_at=T if status == "confirmed" else None,
        )
    )


def rows(conn, table):
    return {r.id: r for r in conn.execute(sa.select(table).order_by(table.c.id)).all()}


def test_keys_are_recomputed_and_old_ties_undone_both_ways(engine):
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as conn:
        user(conn, 1, "victim@straße.test")  # old key "victim@strasse.test"
        user(conn, 2, "bob@xn--bcher-kva.example")  # the same mailbox as user 3's
        user(conn, 3, "bob@bücher.example")
        user(conn, 4, "Ada@example.org")
        # Made by user 1 signed in, for "their own" address by the old key: confirmed
        # without any email to victim@strasse.test.
        subscription(conn, 10, "victim@strasse.test", "confirmed", user_id=1)
        subscription(conn, 11, "bob@bücher.example", "pending")
        subscription(conn, 12, "bob@xn--bcher-kva.example", "confirmed")
        subscription(conn, 13, "ada@example.org", "confirmed", user_id=4)

    migrate.upgrade(engine, AFTER)
    with engine.connect() as conn:
        users, subs = rows(conn, USERS), rows(conn, SUBS)
    assert users[1].email_key == "victim@xn--strae-oqa.test"
    assert users[2].email_key == "bob@xn--bcher-kva.example"  # the older one keeps the key
    assert users[3].email_key == "duplicate 3 of bob@xn--bcher-kva.example"
    assert users[4].email_key == "ada@example.org"
    # The victim's subscription is nobody's account's and waits for the victim's confirmation.
    assert (subs[10].email_key, subs[10].user_id) == ("victim@strasse.test", None)
    assert (subs[10].status, subs[10].confirmed_at) == ("pending", None)
    # Of the two subscriptions of one mailbox, the confirmed one keeps the key.
    assert subs[12].email_key == "bob@xn--bcher-kva.example"
    assert subs[11].email_key.startswith("duplicate 11 of ")
    assert (subs[13].status, subs[13].user_id) == ("confirmed", 4)  # a true tie stays
    # The account of user 1 lists nothing of the victim's any more.
    with make_sessionmaker(engine)() as session:
        account = Account(1, "user1", "victim@straße.test", None, "member", True, T)
        assert list_for_account(session, account) == []

    command.downgrade(migrate.alembic_config(engine), BEFORE)
    with engine.connect() as conn:
        users, subs = rows(conn, USERS), rows(conn, SUBS)
    assert users[1].email_key == "victim@strasse.test"
    assert users[3].email_key == "bob@bücher.example"
    assert subs[11].email_key == "bob@bücher.example"
    migrate.upgrade(engine, AFTER)  # and up again
    with engine.connect() as conn:
        assert rows(conn, USERS)[1].email_key == "victim@xn--strae-oqa.test"
