"""Fixed-window rate limits counted in the database, so every web worker (and every
PostgreSQL-backed server) shares the counts.

A rate is written ``N/period``: ``20/5minutes``, ``5/hour``, ``100/day``, ``3/30s``. Each
(name, key, window) is one row whose ``hits`` is incremented by one atomic upsert. A fixed
window lets a client make up to 2N requests around a window boundary; for the abuse these
limits are for (password guessing, floods) that is fine and costs one statement per hit.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.store.models import RateLimitCounter

_UNITS = {"s": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNITS |= {"d": 86400, "day": 86400}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.limit} per {self.seconds} s"


def parse_rate(text: str) -> Rate:
    match = _RATE.fullmatch(text.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"invalid rate {text!r}; expected e.g. 20/5minutes, 5/hour, 3/30s")
    count = int(match.group(2) or 1)
    rate = Rate(int(match.group(1)), count * _UNITS[match.group(3)])
    if rate.limit < 1 or rate.seconds < 1:
        raise ValueError(f"invalid rate {text!r}: both numbers must be positive")
    return rate


def hit(session: Session, name: str, key: str, rate: Rate, *, now: datetime) -> int | None:
    """Count one hit of ``key`` under limit ``name``. Returns None when it is allowed, else
    the seconds until the window ends (for ``Retry-After``). Commit ``session`` afterwards,
    whatever the request does next: refused hits count too."""
    epoch = now.astimezone(UTC).timestamp()
    window = int(epoch // rate.seconds)
    ends = (window + 1) * rate.seconds
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    bucket = f"{name[:64]}:{digest}:{window}"
    expires = datetime.fromtimestamp(ends, UTC)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RateLimitCounter)
        .values(bucket=bucket, hits=1, expires_at=expires)
        .on_conflict_do_update(
            index_elements=[RateLimitCounter.bucket],
            set_={"hits": RateLimitCounter.hits + 1},
        )
        .returning(RateLimitCounter.hits)
    )
    hits = session.execute(statement).scalar_one()
    if hits == 1:  # a new window opened: forget the ones that are over
        session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
    if hits <= rate.limit:
        return None
    return max(1, math.ceil(ends - epoch))
