"""What the library tests share: members made through the service, papers by id, and the
library as stored. A module of its own name (not conftest) so tests can import it."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from members import NOW, PASSWORD, csrf_of, make_account, new_token  # noqa: F401 (re-exported)
from members import signed_in as log_in  # noqa: F401 (re-exported)
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import Paper

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def paper_id(sessions, arxiv_id: str) -> int:
    with sessions() as session:
        return session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))


def items_of(sessions, user_id: int) -> list[tuple[str, str]]:
    """``(collection name, arXiv id)`` of every item of the member, sorted."""
    with sessions() as session:
        rows = session.execute(
            select(Collection.name, Paper.arxiv_id)
            .join(CollectionItem, CollectionItem.collection_id == Collection.id)
            .join(Paper, Paper.id == CollectionItem.paper_id)
            .where(Collection.user_id == user_id)
        ).all()
    return sorted((name, arxiv) for name, arxiv in rows)


def page_token(client, path: str = "/account") -> str:
    """The X-CSRF-Token a signed-in page gives its JavaScript."""
    return META.search(client.get(path).text).group(1)


def run(sessions, fn, *args, **kwargs):
    """``fn(session, *args, **kwargs)`` in one committed transaction."""
    with session_scope(sessions) as session:
        return fn(session, *args, **kwargs)


def hide(sessions, arxiv_id: str) -> None:
    with session_scope(sessions) as session:
        session.execute(update(Paper).where(Paper.arxiv_id == arxiv_id).values(hidden=True))
