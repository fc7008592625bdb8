"""Comments on papers: threads, edit and delete your own, moderators hide, counts on cards.

Rules (docs/community.md):

- A comment is Markdown of 1 to :data:`MAX_BODY` characters, valid Unicode without control
  characters. It is rendered and sanitized once, when written or edited
  (:mod:`paperfeed.service.markdown`), and the HTML stored: showing it renders nothing.
- A discussion is shown :data:`THREADS_PER_PAGE` top-level threads at a time, each with all
  its replies (:func:`thread_page`); the count is always the whole discussion's.
- Replies nest up to :data:`MAX_DEPTH` levels; a reply to a comment that deep joins its level.
- Only the author edits or deletes a comment. Deleting a comment with replies leaves a
  "[deleted]" placeholder; without replies it is removed, and so is any deleted ancestor
  left without replies.
- An admin hides or unhides a comment (:func:`set_hidden`); readers see "[hidden]" in its
  place when it has replies, nothing otherwise; admins still see it, marked.
- ``papers.local_comments`` counts the comments readers see (not deleted, not hidden); it is
  changed by the same transaction as the comment, with atomic ``+1`` / ``-1`` updates.
- Every write (new, edited, deleted) records a ``paper_changes`` row for the paper, so the
  response cache of anonymous pages (http/cache.py) never serves the thread as it was.
- When an account is deleted (:func:`forget_user_comments`, an ``ACCOUNT_DELETION_HOOKS``
  entry) its comments are deleted like this too: their words go with the account, replies
  of others stay under a "[deleted]" placeholder by "[deleted user]".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from paperfeed.accounts.users import ACCOUNT_DELETION_HOOKS, Account
from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import Forbidden, InvalidInput, NotFound
from paperfeed.service.comment_outline import outline
from paperfeed.service.comment_threads import (
    THREADS_PER_PAGE,
    CommentView,
    ThreadPage,
    comment_view,
    paper_threads,
)
from paperfeed.service.markdown import render_markdown
from paperfeed.service.papers import visible_paper_id
from paperfeed.store.changes import record_changes
from paperfeed.store.models import Comment, Paper, User

MAX_BODY = 10_000
MAX_DEPTH = 4  # depths 0 (top level) .. 4
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def check_body(body: object) -> str:
    """The comment text, trimmed; InvalidInput for missing, overlong or invalid text."""
    if not isinstance(body, str):
        raise InvalidInput("The comment must be text.")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput("Write something first: the comment is empty.")
    if len(body) > MAX_BODY:
        raise InvalidInput(
            f"The comment is {len(body):,} characters long; the limit is {MAX_BODY:,}."
        )
    if "\ufffd" in body or any(0xD800 <= ord(c) <= 0xDFFF for c in body):
        raise InvalidInput("The comment contains bytes that are not valid UTF-8 text.")
    if any(ord(c) < 32 and c not in _ALLOWED_CONTROLS or ord(c) == 127 for c in body):
        raise InvalidInput("The comment contains control characters.")
    return body


def _paper(session: Session, arxiv_id: str) -> Paper:
    bare, _ = parse_arxiv_id(arxiv_id)
    paper = session.scalar(select(Paper).where(Paper.arxiv_id == bare, Paper.hidden.is_(False)))
    if paper is None:
        raise NotFound(f"No paper with arXiv id {bare!r}")
    return paper


def _comment(session: Session, comment_id: int, *, lock: bool = False) -> Comment:
    if not isinstance(comment_id, int) or not 0 < comment_id < 2**62:
        raise NotFound("No such comment.")
    query = select(Comment).where(Comment.id == comment_id)
    if lock:
        query = query.with_for_update()
    comment = session.scalar(query)
    if comment is None or comment.deleted_at is not None:
        raise NotFound("No such comment (it may have been deleted).")
    return comment


def _count(session: Session, paper_id: int, delta: int) -> None:
    session.execute(
        update(Paper)
        .where(Paper.id == paper_id)
        .values(local_comments=Paper.local_comments + delta)
        .execution_options(synchronize_session=False)
    )


def _visible(comment: Comment) -> bool:
    return comment.deleted_at is None and not comment.hidden


def add_comment(
    session: Session,
    arxiv_id: str,
    author: Account,
    body: object,
    *,
    now: datetime,
    parent_id: int | None = None,
) -> CommentView:
    """A new comment on the paper, or a reply to ``parent_id`` (a comment on the same paper)."""
    text = check_body(body)
    paper = _paper(session, arxiv_id)
    depth = 0
    if parent_id is not None:
        parent = _comment(session, parent_id)
        if parent.paper_id != paper.id:
            raise NotFound("No such comment on this paper.")
        if parent.depth >= MAX_DEPTH:  # too deep: join the parent's level instead
            parent_id, depth = parent.parent_id, parent.depth
        else:
            depth = parent.depth + 1
    comment = Comment(
        paper_id=paper.id,
        parent_id=parent_id,
        user_id=author.id,
        depth=depth,
        body=text,
        body_html=render_markdown(text),  # once, here: views show the stored HTML
        created_at=now,
        hidden=False,
    )
    session.add(comment)
    session.flush()
    _count(session, paper.id, +1)
    record_changes(session, [paper.id], now)  # cached anonymous pages show it at once
    return comment_view(comment, paper.arxiv_id, author.username, viewer=author)


def edit_comment(
    session: Session, comment_id: int, editor: Account, body: object, *, now: datetime
) -> CommentView:
    """Replace the text of the editor's own comment."""
    text = check_body(body)
    comment = _comment(session, comment_id, lock=True)
    if comment.user_id != editor.id:
        raise Forbidden("You can edit only your own comments.")
    if comment.body != text:
        comment.body = text
        comment.body_html = render_markdown(text)
        comment.edited_at = now
        record_changes(session, [comment.paper_id], now)
    arxiv_id = session.scalar(select(Paper.arxiv_id).where(Paper.id == comment.paper_id))
    return comment_view(comment, arxiv_id or "", editor.username, viewer=editor)


def delete_comment(session: Session, comment_id: int, account: Account, *, now: datetime) -> str:
    """Delete the account's own comment; returns the paper's arXiv id."""
    comment = _comment(session, comment_id, lock=True)
    if comment.user_id != account.id:
        raise Forbidden("You can delete only your own comments.")
    arxiv_id = session.scalar(select(Paper.arxiv_id).where(Paper.id == comment.paper_id))
    _delete(session, comment, now)
    return arxiv_id or ""


def _delete(session: Session, comment: Comment, now: datetime) -> None:
    if _visible(comment):
        _count(session, comment.paper_id, -1)
    comment.deleted_at = now
    comment.body = ""
    comment.body_html = ""
    record_changes(session, [comment.paper_id], now)
    _prune(session, comment)


def _prune(session: Session, comment: Comment) -> None:
    """Remove ``comment`` and then each deleted ancestor, while they have no replies left."""
    node: Comment | None = comment
    while node is not None and node.deleted_at is not None:
        session.flush()
        if session.scalar(select(Comment.id).where(Comment.parent_id == node.id).limit(1)):
            return
        parent_id = node.parent_id
        session.delete(node)
        session.flush()
        node = session.get(Comment, parent_id) if parent_id is not None else None


def set_hidden(
    session: Session, comment_id: int, admin: Account, hidden: bool, *, now: datetime
) -> None:
    """Hide or unhide a comment (admins only). Hidden comments are not counted."""
    if not admin.is_admin:
        raise Forbidden("Only admins can hide comments.")
    comment = _comment(session, comment_id, lock=True)
    if comment.hidden == hidden:
        return
    comment.hidden = hidden
    comment.hidden_at = now if hidden else None
    comment.hidden_by = admin.id if hidden else None
    _count(session, comment.paper_id, -1 if hidden else +1)


def forget_user_comments(session: Session, user_id: int) -> None:
    """ACCOUNT_DELETION_HOOKS entry: the account's comments are deleted (placeholders where
    others replied), and it is no longer named on any of them."""
    deleted_at = datetime.now(UTC)  # the hook is not given the app's clock
    comments = session.scalars(
        select(Comment)
        .where(Comment.user_id == user_id, Comment.deleted_at.is_(None))
        .order_by(Comment.depth.desc(), Comment.id.desc())  # leaves first
    ).all()
    for comment in comments:
        if session.get(Comment, comment.id) is None:  # already pruned with a child
            continue
        comment.user_id = None
        _delete(session, comment, deleted_at)
    session.execute(
        update(Comment)
        .where(Comment.user_id == user_id)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Comment)
        .where(Comment.hidden_by == user_id)
        .values(hidden_by=None)
        .execution_options(synchronize_session=False)
    )


def thread_page(
    session: Session,
    arxiv_id: str,
    viewer: Account | None = None,
    *,
    page: int = 1,
    per_page: int = THREADS_PER_PAGE,
) -> ThreadPage:
    """Page ``page`` of the paper's threads as ``viewer`` may see them (a page past the last
    is NotFound; so is a hidden or unknown paper): :func:`comment_threads.paper_threads`."""
    paper_id, bare = visible_paper_id(session, arxiv_id)
    return paper_threads(session, paper_id, bare, viewer, page=page, per_page=per_page)


def page_of(
    session: Session, comment_id: int, viewer: Account | None, per_page: int = THREADS_PER_PAGE
) -> int:
    """The page of its paper's discussion that shows ``comment_id`` (1 if it is not shown)."""
    comment = _comment(session, comment_id)
    admin = viewer is not None and viewer.is_admin
    roots, _children, nodes = outline(session, comment.paper_id, admin)
    node = nodes.get(comment.id)
    while node is not None and node.parent_id in nodes:
        node = nodes[node.parent_id]
    if node is None or node.id not in roots:
        return 1
    return roots.index(node.id) // per_page + 1


def own_comment_ids(session: Session, user_id: int, comment_ids: list[int]) -> set[int]:
    """Those of ``comment_ids`` the member wrote (and has not deleted): the comments a member
    page shows as theirs, to edit or delete (``CommentView.mine``)."""
    if not comment_ids:
        return set()
    return set(
        session.scalars(
            select(Comment.id).where(
                Comment.user_id == user_id,
                Comment.deleted_at.is_(None),
                Comment.id.in_(comment_ids[:500]),
            )
        )
    )


def get_comment(session: Session, comment_id: int, viewer: Account | None = None) -> CommentView:
    comment = _comment(session, comment_id)
    row = session.execute(
        select(Paper.arxiv_id, User.username)
        .select_from(Paper)
        .outerjoin(User, User.id == comment.user_id)
        .where(Paper.id == comment.paper_id)
    ).first()
    admin = viewer is not None and viewer.is_admin
    if comment.hidden and not admin and not (viewer and viewer.id == comment.user_id):
        raise NotFound("No such comment.")
    return comment_view(comment, row[0], row[1], viewer=viewer, admin=admin)


if forget_user_comments not in ACCOUNT_DELETION_HOOKS:
    ACCOUNT_DELETION_HOOKS.append(forget_user_comments)
