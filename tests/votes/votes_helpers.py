"""What the vote tests share: the pinned clock, members made through the service (with API
tokens), a browser that logs in, and the counts as stored. A module of its own name (not
conftest) so test files can import it unambiguously."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from paperfeed.accounts import api_tokens, users
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperVote

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the app's pinned clock (tests/conftest.py)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_member(sessions, username: str, *, token: bool = False):
    """A confirmed member (and, with ``token``, a Bearer token): ``(account, token or None)``."""
    with session_scope(sessions) as session:
        made = users.sign_up(
            session,
            username=username,
            email=f"{username}@example.org",
            password=PASSWORD,
            now=NOW,
            confirm_ttl=timedelta(hours=48),
        )
        account = users.confirm_email(session, made.token, now=NOW)
        raw = api_tokens.create_token(session, account.id, "tests", now=NOW)[1] if token else None
    return account, raw


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def log_in(client: TestClient, username: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


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
