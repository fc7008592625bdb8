"""Recording the papers a signed-in member opens (for "hide papers I have seen" on /for-you).

A dependency of the paper page, run before it renders: anonymous readers cost nothing, a
member costs one primary-key read, and only the first view of a paper takes the write lock
(:mod:`paperfeed.library.seen`). It reads on the primary so that a lagging replica never
makes it write twice; the insert is idempotent anyway.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from paperfeed.errors import NotFound
from paperfeed.http.auth import get_auth
from paperfeed.http.deps import NowDep, primary_sessions
from paperfeed.library.seen import has_seen, mark_seen
from paperfeed.service.papers import visible_paper_id
from paperfeed.store.db import session_scope


async def record_paper_seen(request: Request, arxiv_id: str, now: NowDep) -> None:
    """Mark the paper of this page seen by the signed-in member, once. Async, so that an
    anonymous reader's page takes no threadpool hop for it; a member's reads and write run
    in the threadpool."""
    account = get_auth(request).account
    if account is None or getattr(request.state, "member_slots", None) is not None:
        return  # anonymous, or a member page's shared render (web/member_pages.py records)
    # the factory got plainly, not as a dependency: the solver's cost on every anonymous view
    await run_in_threadpool(_record, primary_sessions(request), account.id, arxiv_id, now)


def _record(sessions: sessionmaker[Session], user_id: int, arxiv_id: str, now: datetime) -> None:
    with session_scope(sessions, write=False) as session:
        try:
            paper_id, _bare = visible_paper_id(session, arxiv_id)
        except NotFound:  # the page itself answers 404
            return
        if has_seen(session, user_id, paper_id):
            return
    with session_scope(sessions) as session:
        mark_seen(session, user_id, [paper_id], now=now)
