"""Recording that papers changed: one ``paper_changes`` row per paper written.

Every write that can change what a reader sees of a paper records it here, in the same
transaction: the keyword and vector indexes follow this sequence, and the response cache
keys on its head (:mod:`paperfeed.search.changes` reads it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from paperfeed.store.models import PaperChange


def record_changes(session: Session, paper_ids: Iterable[int], now: datetime) -> None:
    rows = [{"paper_id": pid, "changed_at": now} for pid in paper_ids]
    if rows:
        session.execute(insert(PaperChange), rows)
