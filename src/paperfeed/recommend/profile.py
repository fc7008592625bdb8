"""What the for-you ranking knows of one member: the papers they like (saved in any
collection, upvoted, "more like this"), the ones they do not ("not interested") and what they
follow. Read from the store in a handful of indexed queries; no scoring here (that is
:mod:`paperfeed.recommend.scoring`, pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.library.collections import library_papers
from paperfeed.library.feedback import MORE, NOT_INTERESTED, feedback_times
from paperfeed.recommend.follow_match import FollowMatcher, words_of
from paperfeed.store.library_models import Follow
from paperfeed.store.models import PaperVote

# What each kind of signal weighs in the profile before its time decay: saving a paper or
# asking for more like it is a deliberate act; an upvote is a lighter one.
SIGNAL_WEIGHTS = {"saved": 1.0, "more": 1.0, "upvoted": 0.6}


@dataclass(frozen=True)
class Signal:
    """One paper in the profile: ``kind`` saved | upvoted | more (positives) or
    not_interested (a negative), ``at`` when the member gave it."""

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


def upvote_signals(session: Session, user_id: int) -> list[tuple[int, datetime]]:
    rows = session.execute(
        select(PaperVote.paper_id, PaperVote.created_at).where(PaperVote.user_id == user_id)
    ).all()
    return [(pid, at) for pid, at in rows]


def topic_words(query: str) -> tuple[str, ...]:
    """The words a topic's query must all contain to match a title and abstract (keyword
    matching: the ranker needs no model for follows)."""
    return tuple(dict.fromkeys(w for w in _words(query) if len(w) > 1))


def _words(text: str) -> list[str]:
    return words_of(text)


def follow_rules(session: Session, user_id: int) -> list[FollowRule]:
    rows = session.execute(
        select(Follow.kind, Follow.key, Follow.label, Follow.query)
        .where(Follow.user_id == user_id)
        .order_by(Follow.created_at, Follow.id)
    ).all()
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
    best: dict[int, Signal] = {}
    sources = [
        ("saved", library_papers(session, user_id)),
        ("upvoted", upvote_signals(session, user_id)),
    ]
    feedback = feedback_times(session, user_id)
    sources.append(("more", [(pid, at) for pid, kind, at in feedback if kind == MORE]))
    for kind, rows in sources:
        for paper_id, at in rows:
            old = best.get(paper_id)
            if old is None or SIGNAL_WEIGHTS[kind] > SIGNAL_WEIGHTS[old.kind]:
                best[paper_id] = Signal(paper_id, kind, at)
    negatives = [Signal(pid, NOT_INTERESTED, at) for pid, kind, at in feedback if kind != MORE]
    dismissed = frozenset(s.paper_id for s in negatives)
    positives = [s for pid, s in best.items() if pid not in dismissed]
    return Profile(
        positives=positives,
        negatives=negatives,
        follows=follow_rules(session, user_id),
        saved=frozenset(pid for pid, _at in sources[0][1]),
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
