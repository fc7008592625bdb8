"""What the for-you ranking knows of one member: the papers they like (saved in any
collection, upvoted, "more like this"), the ones they do not ("not interested") and what they
follow. Read from the store in one statement (a UNION ALL of four indexed reads: one round
trip, not four, on every for-you request); no scoring here (that is
:mod:`paperfeed.recommend.scoring`, pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import literal_column, null, select, union_all
from sqlalchemy.orm import Session

from paperfeed.library.collections import library_papers_query
from paperfeed.library.feedback import MORE, NOT_INTERESTED
from paperfeed.recommend.follow_match import FollowMatcher, words_of
from paperfeed.store.library_models import Follow, PaperFeedback
from paperfeed.store.models import PaperVote

# What each kind of signal weighs in the profile before its time decay: saving a paper or
# asking for more like it is a deliberate act; an upvote is a lighter one.
SIGNAL_WEIGHTS = {"saved": 1.0, "more": 1.0, "upvoted": 0.6}


class Signal(NamedTuple):
    """One paper in the profile: ``kind`` saved | upvoted | more (positives) or
    not_interested (a negative), ``at`` when the member gave it. A named tuple: a list makes
    hundreds (a frozen dataclass's ``__init__`` cost ~1 ms of them)."""

    paper_id: int
    kind: str
    at: datetime


@dataclass(frozen=True)
class FollowRule:
    """A follow as the ranker matches it: ``kind`` author | category | topic, ``key`` the
    case-folded author name or the category code, ``words`` a topic's query words."""

    kind: str
    key: str
    label: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    positives: list[Signal] = field(default_factory=list)  # one per paper, strongest kind
    negatives: list[Signal] = field(default_factory=list)
    follows: list[FollowRule] = field(default_factory=list)
    saved: frozenset[int] = frozenset()  # never shown again
    dismissed: frozenset[int] = frozenset()  # "not interested": hidden

    @property
    def empty(self) -> bool:
        """Nothing to go on yet: the cold start."""
        return not self.positives and not self.follows


SAVED, UPVOTED, FEEDBACK, FOLLOW = 0, 1, 2, 3  # the sources of :func:`signal_rows`


def signal_rows(session: Session, user_id: int) -> dict[int, list[tuple]]:
    """The member's library, upvotes, feedback and follows in one statement, by source:
    SAVED ``(paper_id, added_at)`` newest first; UPVOTED ``(paper_id, created_at)``;
    FEEDBACK ``(paper_id, kind, created_at)`` newest first; FOLLOW ``(kind, key, label,
    query)`` in the order followed."""
    saved = library_papers_query(user_id).subquery()
    no = null()
    legs = [
        select(
            literal_column(str(SAVED)), saved.c.paper_id, no, no, no, no, saved.c.added_at,
            literal_column("0"),
        ),
        select(
            literal_column(str(UPVOTED)), PaperVote.paper_id, no, no, no, no,
            PaperVote.created_at, literal_column("0"),
        ).where(PaperVote.user_id == user_id),
        select(
            literal_column(str(FEEDBACK)), PaperFeedback.paper_id, PaperFeedback.kind, no, no,
            no, PaperFeedback.created_at, literal_column("0"),
        ).where(PaperFeedback.user_id == user_id),
        select(
            literal_column(str(FOLLOW)), no, Follow.kind, Follow.key, Follow.label,
            Follow.query, Follow.created_at, Follow.id,
        ).where(Follow.user_id == user_id),
    ]  # fmt: skip
    by_source: dict[int, list[tuple]] = {SAVED: [], UPVOTED: [], FEEDBACK: [], FOLLOW: []}
    # All rows at once: iterating the result fetched them one by one (~700 calls through
    # SQLAlchemy and the driver a list).
    for src, pid, kind, key, label, query, at, tie in session.execute(union_all(*legs)).all():
        by_source[int(src)].append((pid, kind, key, label, query, at, tie))
    # Each source's order, as its own read had it (the union has none).
    by_key = lambda r: (r[5], r[0])  # noqa: E731  (when, paper)
    saved_rows = sorted(by_source[SAVED], key=by_key, reverse=True)
    feedback = sorted(by_source[FEEDBACK], key=lambda r: (-r[5].timestamp(), r[0]))
    follows = sorted(by_source[FOLLOW], key=lambda r: (r[5], r[6]))
    return {
        SAVED: [(int(r[0]), r[5]) for r in saved_rows],
        UPVOTED: [(int(r[0]), r[5]) for r in sorted(by_source[UPVOTED], key=by_key)],
        FEEDBACK: [(int(r[0]), r[1], r[5]) for r in feedback],
        FOLLOW: [(r[1], r[2], r[3], r[4]) for r in follows],
    }


def topic_words(query: str) -> tuple[str, ...]:
    """The words a topic's query must all contain to match a title and abstract (keyword
    matching: the ranker needs no model for follows)."""
    return tuple(dict.fromkeys(w for w in _words(query) if len(w) > 1))


def _words(text: str) -> list[str]:
    return words_of(text)


def follow_rules(rows: list[tuple]) -> list[FollowRule]:
    """The rules of the member's follows (``(kind, key, label, query)`` in the order
    followed)."""
    rules = []
    for kind, key, label, query in rows:
        if kind == "topic":
            words = topic_words(query or key)
            if words:
                rules.append(FollowRule(kind, key, label, words))
        elif kind in ("author", "category"):
            rules.append(FollowRule(kind, " ".join(key.split()).casefold(), label))
    return rules


def load_profile(session: Session, user_id: int) -> Profile:
    """The member's signals. A paper both saved and upvoted counts once, as saved; a
    "not interested" paper is never a positive, even if saved before."""
    rows = signal_rows(session, user_id)
    best: dict[int, Signal] = {}
    feedback = rows[FEEDBACK]
    sources = [
        ("saved", rows[SAVED]),
        ("upvoted", rows[UPVOTED]),
        ("more", [(pid, at) for pid, kind, at in feedback if kind == MORE]),
    ]
    for kind, signals in sources:
        for paper_id, at in signals:
            old = best.get(paper_id)
            if old is None or SIGNAL_WEIGHTS[kind] > SIGNAL_WEIGHTS[old.kind]:
                best[paper_id] = Signal(paper_id, kind, at)
    negatives = [Signal(pid, NOT_INTERESTED, at) for pid, kind, at in feedback if kind != MORE]
    dismissed = frozenset(s.paper_id for s in negatives)
    positives = [s for pid, s in best.items() if pid not in dismissed]
    return Profile(
        positives=positives,
        negatives=negatives,
        follows=follow_rules(rows[FOLLOW]),
        saved=frozenset(pid for pid, _at in rows[SAVED]),
        dismissed=dismissed,
    )


def matching_follows(
    rules: list[FollowRule], authors: tuple[str, ...], categories: tuple[str, ...], text: str | None
) -> list[FollowRule]:
    """The member's follows that bring this paper: an author among its authors, a category
    among its categories, a topic whose every word is in its title and abstract. (Over many
    papers, build one :class:`~paperfeed.recommend.follow_match.FollowMatcher` instead.)"""
    if not rules:
        return []
    return FollowMatcher(rules).match(authors, categories, text.casefold() if text else None)
