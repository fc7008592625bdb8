"""Trending: every upvote decays with its own age. Pure: ``now`` is an argument, no I/O.

For one paper::

    score = sum over its members' votes of   2 ** (-(now - cast_at) / half_life)
          + imported_upvotes               * 2 ** (-(now - posted_at) / half_life)

- A member's vote weighs 1 when it is cast and half as much every ``half_life`` after
  (default three days): a paper rises while people are voting for it *now*.
- Imported upvotes (from Hugging Face or page dumps) carry no times. They count as if cast
  when the paper was put on the feed (``posted_at``, the feed entry's time), which is when
  nearly all of a daily paper's votes come in. With no member votes this is the old formula
  ``upvotes * 2 ** (-age / half_life)``.
- Anything dated after ``now`` has not happened yet as of ``now`` and weighs 0, so the
  trending list of a past month can be judged at that month's end.

Votes older than :func:`horizon` (ten half-lives: weight < 1/1000) may be left out by callers
that must bound what they load; scores then differ by less than 0.001 per vote left out.

Ties sort newer ``posted_at`` first, then by input order, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K")

DEFAULT_HALF_LIFE = timedelta(days=3)
HORIZON_HALF_LIVES = 10


@dataclass(frozen=True)
class Candidate(Generic[K]):
    """A paper to rank: ``key`` is whatever the caller wants back (an id, a row)."""

    key: K
    posted_at: datetime
    imported_upvotes: int = 0
    vote_times: tuple[datetime, ...] = ()


def weight(cast_at: datetime, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE) -> float:
    """What one vote cast at ``cast_at`` weighs at ``now``: 1, halving every ``half_life``."""
    if cast_at > now:
        return 0.0
    return 2.0 ** (-(now - cast_at).total_seconds() / half_life.total_seconds())


def trending_score(
    candidate: Candidate, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> float:
    score = candidate.imported_upvotes * weight(candidate.posted_at, now, half_life)
    return score + sum(weight(t, now, half_life) for t in candidate.vote_times)


def rank_trending(
    candidates: Iterable[Candidate[K]],
    now: datetime,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> list[tuple[K, float]]:
    """``(key, score)`` best first; ties: newer ``posted_at`` first, then input order."""
    if half_life <= timedelta(0):
        raise ValueError("half_life must be positive")
    scored = [
        (trending_score(c, now, half_life), c.posted_at, i, c.key) for i, c in enumerate(candidates)
    ]
    scored.sort(key=lambda s: (-s[0], -s[1].timestamp(), s[2]))
    return [(key, score) for score, _posted, _i, key in scored]


def horizon(half_life: timedelta = DEFAULT_HALF_LIFE) -> timedelta:
    """How far back votes still matter (weight >= 2**-10); older ones may be skipped."""
    return HORIZON_HALF_LIVES * half_life
