"""The shape of a paper's discussion without its text: which comments are kept and under
which parent, read in one query of ids. :mod:`paperfeed.service.comments` pages threads by
it and loads the text of only the page shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from paperfeed.store.models import Comment


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    shown: bool  # a placeholder when False
    counted: bool  # neither deleted nor hidden


_OUTLINE = (  # built once: building a statement costs more than running it (issue 16)
    select(Comment.id, Comment.parent_id, Comment.deleted_at.is_(None), Comment.hidden)
    .where(Comment.paper_id == bindparam("paper_id"))
    .order_by(Comment.id)
)


def outline(
    session: Session, paper_id: int, admin: bool
) -> tuple[list[int], dict[int, list[int]], dict[int, Node]]:
    """The discussion's shape without its text: the top-level ids kept (oldest first), the
    kept replies of each comment, and every comment. A placeholder without kept replies is
    not kept: there is nothing to show and no thread to hold together."""
    return shape(session.connection().execute(_OUTLINE, {"paper_id": paper_id}), admin)


def shape(
    rows: Iterable[tuple[int, int | None, bool, bool]], admin: bool
) -> tuple[list[int], dict[int, list[int]], dict[int, Node]]:
    """:func:`outline` of the discussion's rows (id, parent id, not deleted, hidden), in id
    order."""
    nodes = {
        cid: Node(cid, parent, live and (not hidden or admin), live and not hidden)
        for cid, parent, live, hidden in rows
    }
    below: dict[int | None, list[int]] = defaultdict(list)
    for node in nodes.values():
        below[node.parent_id if node.parent_id in nodes else None].append(node.id)
    kept: dict[int, list[int]] = {}

    def keep(comment_id: int) -> bool:  # depth <= comments.MAX_DEPTH + 1: no deep recursion
        replies = [child for child in below.get(comment_id, ()) if keep(child)]
        kept[comment_id] = replies
        return nodes[comment_id].shown or bool(replies)

    roots = [root for root in below.get(None, []) if keep(root)]
    return roots, kept, nodes
