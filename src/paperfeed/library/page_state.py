"""A member's state on the papers of one page in one read: which they upvoted, which they
saved, their feedback on each. What ``service.votes.upvoted_among``,
``collections.saved_arxiv_ids_among`` and ``feedback.feedback_among`` answer one query each,
in one ``UNION ALL`` for member pages (web/member_pages.py), where every request asks it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from paperfeed.store.library_models import CollectionItem, PaperFeedback
from paperfeed.store.models import Paper, PaperVote

MAX_IDS = 500  # a page shows far fewer; within every backend's bound on parameters


@dataclass(frozen=True)
class PageState:
    upvoted: frozenset[str]
    saved: frozenset[str]
    feedback: dict[str, str]  # arXiv id -> kind


def page_state(session: Session, user_id: int, arxiv_ids: Iterable[str]) -> PageState:
    ids = list(dict.fromkeys(arxiv_ids))[:MAX_IDS]
    if not ids:
        return PageState(frozenset(), frozenset(), {})
    on_page = Paper.arxiv_id.in_(ids)
    votes = (
        select(literal("u"), Paper.arxiv_id, literal(""))
        .join(PaperVote, PaperVote.paper_id == Paper.id)
        .where(PaperVote.user_id == user_id, on_page)
    )
    saves = (
        select(literal("s"), Paper.arxiv_id, literal(""))
        .join(CollectionItem, CollectionItem.paper_id == Paper.id)
        .where(CollectionItem.user_id == user_id, on_page)
    )
    feedback = (
        select(literal("f"), Paper.arxiv_id, PaperFeedback.kind)
        .join(PaperFeedback, PaperFeedback.paper_id == Paper.id)
        .where(PaperFeedback.user_id == user_id, on_page)
    )
    upvoted: set[str] = set()
    saved: set[str] = set()
    kinds: dict[str, str] = {}
    for what, arxiv_id, kind in session.execute(union_all(votes, saves, feedback)):
        if what == "u":
            upvoted.add(arxiv_id)
        elif what == "s":
            saved.add(arxiv_id)
        else:
            kinds[arxiv_id] = kind
    return PageState(frozenset(upvoted), frozenset(saved), kinds)
