"""Trending: upvotes decayed by the age of the paper's feed entry. Pure: ``now`` is an argument.

score = upvotes * 2 ** (-age / half_life)

where ``age`` is the time since the paper was put on the feed. With the default half-life of
three days a paper with 100 upvotes posted six days ago ranks level with one that has 25
upvotes today. (Per-vote decay, each vote weighted by its own age, replaces this once
individual votes with their times are stored.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

DEFAULT_HALF_LIFE = timedelta(days=3)


def trending_score(
    upvotes: int, posted_at: datetime, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> float:
    age = max((now - posted_at).total_seconds(), 0.0)
    return upvotes * 2.0 ** (-age / half_life.total_seconds())


def rank_trending(
    items: Iterable[tuple[T, int, datetime]],
    now: datetime,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> list[T]:
    """Order ``(item, upvotes, posted_at)`` by trending score, best first; ties: newer first."""
    scored = [
        (trending_score(upvotes, posted, now, half_life), posted, i, item)
        for i, (item, upvotes, posted) in enumerate(items)
    ]
    scored.sort(key=lambda s: (-s[0], -s[1].timestamp(), s[2]))
    return [s[3] for s in scored]
