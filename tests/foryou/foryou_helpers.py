"""What the for-you tests share: members, a browser that logs in, a member's library written
straight into the store (so these tests do not depend on the library pages), and reads of
what the store holds. A module of its own name (not conftest) so test files import it
unambiguously."""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlalchemy import select

from members import NOW, csrf_of, make_account, new_token, signed_in  # noqa: F401 (re-exported)
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Collection, CollectionItem, PaperSeen, ReaderPrefs
from paperfeed.store.models import Paper

DAY = date(2026, 11, 20)
META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
FEED_ADDRESS = re.compile(r'<code class="feed-address" id="feed-address">([^<]+)</code>')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def page_token(client, path: str = "/for-you") -> str:
    """The X-CSRF-Token a signed-in page gives its JavaScript."""
    return META.search(client.get(path).text).group(1)


def paper_id(sessions, arxiv_id: str) -> int:
    with sessions() as session:
        return session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))


def save_directly(sessions, user_id: int, *arxiv_ids: str) -> None:
    """Put papers in the member's "Saved" collection, written straight into the store."""
    with session_scope(sessions) as session:
        saved = session.scalar(
            select(Collection).where(Collection.user_id == user_id, Collection.is_default)
        )
        if saved is None:
            saved = Collection(
                user_id=user_id,
                name="Saved",
                name_key="saved",
                description="",
                is_default=True,
                public=False,
                share_key=secrets.token_hex(8),
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(saved)
            session.flush()
        for arxiv_id in arxiv_ids:
            pid = session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
            session.add(
                CollectionItem(
                    collection_id=saved.id,
                    paper_id=pid,
                    user_id=user_id,
                    note="",
                    tags=[],
                    added_at=NOW,
                )
            )


def seen_rows(sessions, user_id: int) -> list[tuple[int, object]]:
    with sessions() as session:
        return list(
            session.execute(
                select(PaperSeen.paper_id, PaperSeen.seen_at).where(PaperSeen.user_id == user_id)
            ).all()
        )


def stored_prefs(sessions, user_id: int) -> ReaderPrefs | None:
    with sessions() as session:
        row = session.get(ReaderPrefs, user_id)
        if row is not None:
            session.expunge(row)
        return row


def listed(html: str) -> list[str]:
    """The arXiv ids of the for-you cards on a page, in order."""
    return re.findall(r'<div class="for-you-item" id="for-you-([^"]+)"', html)
