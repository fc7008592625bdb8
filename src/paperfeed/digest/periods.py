"""Which feed period a digest covers, and its key in the outbox (``2026-11-25``, ``2026-W48``).

A daily digest covers a whole past day, a weekly one a whole past ISO week: by default the
last one that has ended at ``now``, so its papers and upvotes are (nearly) final.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from paperfeed.errors import InvalidInput
from paperfeed.service.periods import Period, day_period, parse_period, week_period

Cadence = Literal["daily", "weekly"]
CADENCES: tuple[Cadence, ...] = ("daily", "weekly")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_cadence(value: str) -> Cadence:
    if value not in CADENCES:
        raise InvalidInput("Choose daily or weekly.")
    return value  # type: ignore[return-value]


def last_complete(cadence: Cadence, now: datetime) -> Period:
    """The latest day (daily) or ISO week (weekly) that has ended at ``now`` (UTC)."""
    today = now.date()
    if cadence == "daily":
        return day_period(today - timedelta(days=1))
    return week_period(today - timedelta(days=7))


def period_key(period: Period) -> str:
    return period.param[1]


def period_from_key(cadence: Cadence, key: str) -> Period:
    """``2026-11-25`` for daily, ``2026-W48`` for weekly; InvalidInput otherwise."""
    example = "2026-11-25" if cadence == "daily" else "2026-W48"
    key = key.strip()
    # date.fromisoformat also reads week dates ("2026-W47"): a daily key must be a day.
    if cadence == "daily" and not _DAY.fullmatch(key):
        raise InvalidInput(f"invalid date {key[:40]!r}; expected e.g. {example}")
    period = parse_period(day=key) if cadence == "daily" else parse_period(week=key)
    if period is None:
        raise InvalidInput(f"give the {cadence} period, e.g. {example}")
    return period
