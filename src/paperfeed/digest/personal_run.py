"""The personal digests of one outbox run: each member's own contents, fixed before sending.

For an outbox row of a personal subscription the run asks :meth:`PersonalDigests.body`,
which in one transaction either reads back the contents an earlier attempt fixed (a resend:
the same papers, order and reasons) or picks fresh ones and records them
(:mod:`paperfeed.digest.suggestions`); then renders that member's email. The transaction
commits before the email goes out, so a crash at any point after it resends exactly those
papers, and a crash before it leaves nothing behind. Nothing new to suggest: no email, the
row is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.digest import message as mail
from paperfeed.digest.periods import Cadence
from paperfeed.digest.personal import PersonalKind
from paperfeed.digest.subscriptions import Topic
from paperfeed.digest.suggestions import Sources, Suggested, fix, fixed, has_fixed
from paperfeed.service.periods import Period
from paperfeed.settings import Settings
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import DigestOutbox

NOTHING_NEW = "nothing new to suggest to the member"


class PersonalDigests:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        sources: Sources,
        settings: Settings,
        *,
        cadence: Cadence,
        period: Period,
        clock: Callable[[], datetime],
    ):
        self.sessions, self.sources, self.settings = sessions, sources, settings
        self.cadence, self.period, self.clock = cadence, period, clock

    def contents(self, outbox_id: int, user_id: int, kind: PersonalKind) -> list[Suggested]:
        """The row's papers: fixed now if no earlier attempt fixed them (committed here)."""
        with session_scope(self.sessions) as session:
            if has_fixed(session, outbox_id):
                return fixed(session, outbox_id)
            chosen = self.sources.fresh(
                session, kind, user_id, self.period, limit=self.settings.digest_papers
            )
            return fix(session, outbox_id, user_id, chosen, now=self.clock())

    def preview(
        self, session: Session, subscription_id: int, key: str, user_id: int, kind: PersonalKind
    ) -> int:
        """Dry run: how many papers the subscription's digest of period ``key`` would
        suggest, writing nothing."""
        outbox_id = session.scalar(
            select(DigestOutbox.id).where(
                DigestOutbox.subscription_id == subscription_id, DigestOutbox.period_key == key
            )
        )
        if outbox_id is not None and has_fixed(session, outbox_id):
            return len(fixed(session, outbox_id))
        found = self.sources.fresh(
            session, kind, user_id, self.period, limit=self.settings.digest_papers
        )
        return len(found)

    def body(self, outbox_id: int, user_id: int, kind: PersonalKind) -> mail.DigestBody | None:
        chosen = self.contents(outbox_id, user_id, kind)
        if not chosen:
            return None
        items = mail.digest_items(
            self.settings, [c.paper for c in chosen], [c.reason for c in chosen]
        )
        return mail.render_body(
            self.settings,
            cadence=self.cadence,
            period=self.period,
            topic=Topic(),
            items=items,
            personal=kind,
        )
