"""What the vote tests share: the pinned clock, members made through the service (with API
tokens), a browser that logs in, and the counts as stored. A module of its own name (not
conftest) so test files can import it unambiguously."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from members import NOW, PASSWORD, csrf_of, make_account, new_token  # noqa: F401 (re-exported)
from members import signed_in as log_in  # noqa: F401 (re-exported)
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperVote

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_member(sessions, username: str, *, token: bool = False):
    """A confirmed member (and, with ``token``, a Bearer token): ``(account, token or None)``."""
    account = make_account(sessions, username)
    return account, new_token(sessions, account) if token else None


def page_token(client: TestClient, path: str = "/account") -> str:
    """The X-CSRF-Token a signed-in page gives its JavaScript."""
    return META.search(client.get(path).text).group(1)


def counts(sessions, arxiv_id: str) -> tuple[int, int, int]:
    """``(upvotes, imported_upvotes, vote rows)`` of a paper, read from the store."""
    with sessions() as session:
        paper = session.execute(select(Paper).where(Paper.arxiv_id == arxiv_id)).scalar_one()
        rows = session.scalars(select(PaperVote).where(PaperVote.paper_id == paper.id)).all()
        return paper.upvotes, paper.imported_upvotes, len(rows)


def hide(sessions, arxiv_id: str) -> None:
    with session_scope(sessions) as session:
        session.execute(update(Paper).where(Paper.arxiv_id == arxiv_id).values(hidden=True))
