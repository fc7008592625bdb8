"""email keys without case folding

Revision ID: 0012
Revises: 0011

Both backends, data only. ``users.email_key`` and ``subscriptions.email_key`` were the whole
address ``casefold()``-ed, which made different mailboxes one key (``victim@straße.test`` and
``victim@strasse.test``: issue 12). They are recomputed with today's
:func:`paperfeed.accounts.identity.email_key` (local part: only A-Z lower-cased; domain: its
IDNA A-label). Addresses themselves are not changed.

What the new keys do to old rows:

- **Split**: two addresses that shared a key do no more. Only one row of each could exist in
  a unique key, but a subscription could be tied to an account through the old key: made by a
  signed-in member for "their own" address, so confirmed without any email. Such a
  subscription whose address is not the account's under the new key is untied
  (``user_id`` NULL) and, if it got digests, set back to ``pending`` with no link: nobody
  confirmed that address, and no digest goes to it until someone does.
- **Merge**: the new key can join addresses the old one kept apart (an A-label domain and its
  Unicode spelling, full-width letters). The oldest row keeps the key (for subscriptions, the
  most active: confirmed, then failing, pending, unsubscribed); each other one gets a key no
  address can have (it holds spaces: ``duplicate 42 of ...``), so nothing is deleted, and
  log-in by that address finds the kept account. The same is done going down.

Keys are rewritten in two passes (first to a temporary unique value) because a row's new key
can be another row's old one.
"""

import sqlalchemy as sa
from alembic import op

from paperfeed.accounts.identity import email_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY_CHARS = 254
USERS = sa.table(
    "users", sa.column("id", sa.BigInteger()), sa.column("email"), sa.column("email_key")
)
SUBSCRIPTIONS = sa.table(
    "subscriptions",
    sa.column("id", sa.BigInteger()),
    sa.column("email"),
    sa.column("email_key"),
    sa.column("period"),
    sa.column("topic_key"),
    sa.column("status"),
    sa.column("user_id", sa.BigInteger()),
    sa.column("confirm_nonce"),
    sa.column("confirm_expires_at"),
    sa.column("confirmed_at"),
)
# Which subscription of several that merge keeps the key: the one that gets digests first.
STATUS_RANK = {"confirmed": 0, "failing": 1, "pending": 2, "unsubscribed": 3}


def _old_key(address: str) -> str:
    return address.casefold()


def _duplicate(row_id: int, key: str) -> str:
    return f"duplicate {row_id} of {key}"[:KEY_CHARS]


def _assign(rows, natural, group) -> dict[int, str]:
    """row id -> key: ``natural(row)``, or a duplicate marker for each row after the first of
    a ``group(row)`` (rows come in keeping order)."""
    keys, taken = {}, set()
    for row in rows:
        key = natural(row)
        slot = group(row, key)
        keys[row.id] = _duplicate(row.id, key) if slot in taken else key[:KEY_CHARS]
        taken.add(slot)
    return keys


def _rewrite(bind, table, keys: dict[int, str], current: dict[int, str]) -> None:
    changed = {i: k for i, k in keys.items() if k != current[i]}
    for row_id in changed:  # pass 1: out of each other's way
        bind.execute(
            sa.update(table).where(table.c.id == row_id).values(email_key=f"migrating {row_id}")
        )
    for row_id, key in changed.items():
        bind.execute(sa.update(table).where(table.c.id == row_id).values(email_key=key))


def _rekey(key_of) -> tuple[dict[int, str], list]:
    """Rewrite both tables' keys with ``key_of``. Returns the users' natural keys by id, and
    the subscription rows as they were."""
    bind = op.get_bind()
    users = bind.execute(
        sa.select(USERS.c.id, USERS.c.email, USERS.c.email_key).order_by(USERS.c.id)
    ).all()
    keys = _assign(users, lambda r: key_of(r.email), lambda r, key: key)
    _rewrite(bind, USERS, keys, {r.id: r.email_key for r in users})

    subs = bind.execute(sa.select(SUBSCRIPTIONS).order_by(SUBSCRIPTIONS.c.id)).all()
    subs = sorted(subs, key=lambda r: (STATUS_RANK.get(r.status, 9), r.id))
    keys = _assign(subs, lambda r: key_of(r.email), lambda r, key: (key, r.period, r.topic_key))
    _rewrite(bind, SUBSCRIPTIONS, keys, {r.id: r.email_key for r in subs})
    return {r.id: key_of(r.email) for r in users}, subs


def upgrade() -> None:
    user_keys, subs = _rekey(email_key)
    bind = op.get_bind()
    for row in subs:
        if row.user_id is None or user_keys.get(row.user_id) == email_key(row.email):
            continue
        values = {"user_id": None}
        if row.status in ("confirmed", "failing"):
            values |= {"status": "pending", "confirmed_at": None}
        values |= {"confirm_nonce": None, "confirm_expires_at": None}  # no link works
        bind.execute(sa.update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == row.id).values(**values))


def downgrade() -> None:
    # The old keys again (merged rows marked as above); untied subscriptions stay untied.
    _rekey(_old_key)
