"""What the personal digest tests share: members made through the services (an account,
its follows and saved papers, its digests turned on), and what the store says they were
suggested."""

from __future__ import annotations

from digest_helpers import NOW
from sqlalchemy import select

from members import make_account
from paperfeed.digest.personal import set_personal_digest
from paperfeed.digest.runner import send_digests
from paperfeed.library.collections import save_paper
from paperfeed.library.follows import follow_category
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import DigestOutbox, DigestSuggestion, Subscription
from paperfeed.store.models import Paper


def member(sessions, name: str, *, follows=(), saves=(), digests=None):
    """A confirmed member following ``follows`` (categories), with ``saves`` saved, and the
    personal digests ``digests`` (kind -> cadence, default For you daily) turned on."""
    account = make_account(sessions, name)
    with session_scope(sessions) as session:
        for category in follows:
            follow_category(session, account.id, category, now=NOW)
        for arxiv_id in saves:
            save_paper(session, account.id, arxiv_id, now=NOW)
        for kind, cadence in (digests or {"for-you": "daily"}).items():
            set_personal_digest(session, account, kind, cadence, now=NOW)
    return account


def run(runtime, period, cadence: str = "daily", **kwargs):
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("sleep", lambda s: None)
    return send_digests(runtime, cadence=cadence, period=period, **kwargs)


def suggested(sessions, user_id: int) -> dict[str, int | None]:
    """arXiv id -> outbox row of every paper suggested to the member."""
    with sessions() as session:
        rows = session.execute(
            select(Paper.arxiv_id, DigestSuggestion.outbox_id)
            .join(DigestSuggestion, DigestSuggestion.paper_id == Paper.id)
            .where(DigestSuggestion.user_id == user_id)
        ).all()
    return dict(rows)


def fixed_for(sessions, user_id: int, key: str) -> list[str]:
    """The papers fixed for the member's digest of period ``key``, in their order."""
    with sessions() as session:
        return list(
            session.scalars(
                select(Paper.arxiv_id)
                .join(DigestSuggestion, DigestSuggestion.paper_id == Paper.id)
                .join(DigestOutbox, DigestOutbox.id == DigestSuggestion.outbox_id)
                .join(Subscription, Subscription.id == DigestOutbox.subscription_id)
                .where(Subscription.user_id == user_id, DigestOutbox.period_key == key)
                .order_by(DigestSuggestion.position)
            )
        )


def mailed_ids(message) -> list[str]:
    """The arXiv ids a digest email links to, in its order."""
    import re

    text = message.get_body(("plain",)).get_content()
    return re.findall(r"/papers/(\d{4}\.\d{4,5})\b", text)
