"""The daily-papers parameters read as huggingface.co reads them: ``p``, ``limit`` and one
of ``date``, ``week``, ``month``, with errors in HF's shape (docs/api.md#errors).

huggingface.co validates its query with Zod and answers a bad one with a 400 whose
``error`` is Zod's pretty form, one issue a line: ``✖ <what is wrong>\\n  → at <parameter>``
(recorded from the live API: ``✖ "date" must be less than or equal to
"2026-10-05T00:00:00.000Z"\\n  → at date``). Ours say the same things in that form: Zod's
own wording for numbers (``Too small: expected number to be >=1``), and paperfeed's for
dates, weeks and months (``invalid week '2026-47'; expected e.g. 2026-W47``, which names
what to send). HF also takes a full timestamp as ``date`` (``2026-11-20T00:00:00.000Z``,
as ``huggingface_hub`` documents): its day is the day.

Two choices differ from HF on purpose: a ``limit`` above the instance's ``api_max_limit``
is capped, not refused (clients ask for whatever page size they like; a shorter page is
still correct, and the ``Link`` header continues from it), and a day after today is an
empty list, not a 400 (an instance's "latest day" is its own; tests/web/test_date_edges.py).
"""

from __future__ import annotations

import math
import sys
from datetime import datetime

from paperfeed.errors import InvalidInput
from paperfeed.service.periods import Period, parse_period

MAX_PAGE = 100_000  # p; past it every page is empty anyway


def hf_error(message: str, param: str) -> InvalidInput:
    """A 400 whose message is in Zod's pretty form, as huggingface.co sends it."""
    return InvalidInput(f"✖ {message}\n  → at {param}")


def hf_int(
    name: str, value: str | None, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    """An integer query parameter as Zod's ``z.coerce.number().int().min().max()`` reads it
    (no ``maximum``: any size; the caller caps it)."""
    if value is None or not value.strip():
        return default
    try:
        number = float(value.strip())
    except ValueError:
        raise hf_error("Invalid input: expected number, received NaN", name) from None
    if math.isnan(number):
        raise hf_error("Invalid input: expected number, received NaN", name)
    if number < minimum:
        raise hf_error(f"Too small: expected number to be >={minimum}", name)
    if maximum is not None and number > maximum:
        raise hf_error(f"Too big: expected number to be <={maximum}", name)
    if math.isinf(number):
        return sys.maxsize
    if not number.is_integer():
        raise hf_error("Invalid input: expected int, received number", name)
    return int(number)


def hf_period(date: str | None, week: str | None, month: str | None) -> Period | None:
    """At most one of the three, as :func:`parse_period` reads them, errors in HF's form."""
    given = [name for name, value in (("date", date), ("week", week), ("month", month)) if value]
    if date and "T" in date:
        date = _timestamp_day(date)
    try:
        return parse_period(date, week, month)
    except InvalidInput as exc:
        raise hf_error(exc.message, given[0] if len(given) == 1 else "date") from None


def _timestamp_day(value: str) -> str:
    """The day of an ISO 8601 timestamp (UTC as sent); the value itself if it is none."""
    try:
        return datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        return value
