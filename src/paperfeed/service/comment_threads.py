"""A paper's discussion as readers see it: comments as plain views, a page of threads.

The rules are :mod:`paperfeed.service.comments`'s (which writes them); this module only
reads. A page of threads is read in one statement when the discussion is small (at most a
page of comments, the common case: its rows are its whole outline), else in two: the
outline of ids (:mod:`paperfeed.service.comment_outline`), then the text of the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from paperfeed.accounts.users import Account
from paperfeed.errors import NotFound
from paperfeed.service.comment_outline import outline, shape
from paperfeed.store.models import Comment, User

THREADS_PER_PAGE = 50  # top-level comments per page, each with all its replies
DELETED = "[deleted]"
HIDDEN = "[hidden by a moderator]"
DELETED_USER = "[deleted user]"


@dataclass
class CommentView:
    """A comment as a reader sees it. ``html`` is sanitized; ``body`` is the Markdown source
    (empty for placeholders). ``author`` is None once the account is gone."""

    id: int
    paper_id: str  # arXiv id
    parent_id: int | None
    depth: int
    author: str | None
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool
    placeholder: bool  # shown as "[deleted]" / "[hidden ...]", without author or text
    mine: bool = False
    replies: list[CommentView] = field(default_factory=list)

    @property
    def author_label(self) -> str:
        return self.author or DELETED_USER


def comment_view(
    comment: Any,
    arxiv_id: str,
    username: str | None,
    *,
    viewer: Account | None,
    admin: bool = False,
) -> CommentView:
    """The view of a comment (an ORM row, or a Core row of its columns) as ``viewer`` sees it."""
    deleted = comment.deleted_at is not None
    shown = not deleted and (not comment.hidden or admin)
    if shown:
        body, html = comment.body, comment.body_html
    else:
        body, html = "", f"<p><em>{DELETED if deleted else HIDDEN}</em></p>"
    mine = viewer is not None and comment.user_id == viewer.id and not deleted
    return CommentView(
        id=comment.id,
        paper_id=arxiv_id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author=username if shown else None,
        body=body,
        html=html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        deleted=deleted,
        hidden=comment.hidden,
        placeholder=not shown,
        mine=mine,
    )


@dataclass
class ThreadPage:
    """One page of a paper's discussion: ``threads`` are top-level comments with all their
    replies, oldest first. ``count`` is the whole discussion's (placeholders not counted)."""

    threads: list[CommentView]
    page: int
    pages: int
    total_threads: int
    count: int


_WITH_AUTHOR = (  # built once (see service/papers.py): comments with their author's name
    select(*Comment.__table__.c, User.username)
    .select_from(Comment)
    .outerjoin(User, User.id == Comment.user_id)
)
_BY_ID = _WITH_AUTHOR.where(Comment.id.in_(bindparam("ids", expanding=True)))
# The first comments of a paper, one more than a page can hold: a discussion that has no
# more is read whole by this one statement (its outline and its text at once).
_SMALL = (
    _WITH_AUTHOR.where(Comment.paper_id == bindparam("paper_id"))
    .order_by(Comment.id)
    .limit(THREADS_PER_PAGE + 1)
)


def paper_threads(
    session: Session,
    paper_id: int,
    arxiv_id: str,
    viewer: Account | None = None,
    *,
    page: int = 1,
    per_page: int = THREADS_PER_PAGE,
    any_comments: bool = True,
) -> ThreadPage:
    """Page ``page`` of the threads of the visible paper ``paper_id`` (``arxiv_id``, bare) as
    ``viewer`` may see them (a page past the last is NotFound). ``any_comments=False``: the
    caller knows the paper has none (no statement is run)."""
    admin = viewer is not None and viewer.is_admin
    conn = session.connection() if any_comments else None
    rows = None
    if conn is None:
        rows = []
    elif per_page >= THREADS_PER_PAGE:
        rows = conn.execute(_SMALL, {"paper_id": paper_id}).all()
        if len(rows) > THREADS_PER_PAGE:
            rows = None  # a larger discussion: its outline first, then the page's text
    if rows is not None:
        roots, children, nodes = shape(
            ((r.id, r.parent_id, r.deleted_at is None, r.hidden) for r in rows), admin
        )
    else:
        roots, children, nodes = outline(session, paper_id, admin)
    pages = max(1, -(-len(roots) // per_page))
    if not 1 <= page <= pages:
        raise NotFound(f"No page {page} of comments: this discussion has {pages}.")
    shown_roots = roots[(page - 1) * per_page : page * per_page]
    if rows is None:
        wanted: list[int] = []
        stack = list(shown_roots)
        while stack:  # the page's threads, every reply kept
            wanted.append(stack.pop())
            stack.extend(children.get(wanted[-1], ()))
        rows = []
        for chunk in range(0, len(wanted), 500):  # within every backend's bound on parameters
            rows.extend(conn.execute(_BY_ID, {"ids": wanted[chunk : chunk + 500]}))
    views = {  # a Core row has the attributes comment_view reads
        row.id: comment_view(row, arxiv_id, row.username, viewer=viewer, admin=admin)
        for row in rows
    }

    def build(comment_id: int) -> CommentView:
        view = views[comment_id]
        view.replies = [build(child) for child in children.get(comment_id, ())]
        return view

    return ThreadPage(
        threads=[build(root) for root in shown_roots],
        page=page,
        pages=pages,
        total_threads=len(roots),
        count=sum(node.counted for node in nodes.values()),
    )
