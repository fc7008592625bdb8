"""The days a reader, a client or an operator may ask for.

Python's dates end at 0001-01-01 and 9999-12-31, and every window around an asked-for day
is computed past it: a day's exclusive end (``date + 1 day``), a week's Monday and end, a
month's next first, the neighbour periods a feed links to, the 30 days a digest looks back,
a search's ``to`` as the start of the next day. One year of margin on each side keeps all of
them representable, so a day outside it is refused here, once, with a clear 400, instead of
an ``OverflowError`` somewhere deep (issue 12 item 7).
"""

from __future__ import annotations

from datetime import date

from paperfeed.errors import InvalidInput

FIRST_DAY = date(2, 1, 1)
LAST_DAY = date(9998, 12, 31)


def check_day(day: date, name: str = "date") -> date:
    """``day`` if windows around it can be computed; InvalidInput ("out of range") if not."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            f"{name} {day.isoformat()} out of range: dates run from "
            f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
        )
    return day


def parse_day(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query value (``from``, ``to``); None when empty (an empty form input)."""
    if not value or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"invalid {name} date {value[:40]!r}; expected e.g. 2026-11-20"
        ) from None
    return check_day(day, name)
