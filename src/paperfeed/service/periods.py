"""Feed periods: a day, an ISO week (2026-W47) or a month (2026-11), parsed from user input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from paperfeed.errors import InvalidInput
from paperfeed.service.day_range import check_day

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    kind: Literal["day", "week", "month"]
    start: date
    end: date  # exclusive

    @property
    def param(self) -> tuple[str, str]:
        """The query parameter that selects this period, e.g. ("week", "2026-W47")."""
        if self.kind == "day":
            return "date", self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return "week", f"{year}-W{week:02d}"
        return "month", f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        """Header text in the style of the original site: "Apr 3", "Week 47, 2026", "November 2026"."""
        if self.kind == "day":
            return f"{self.start:%b} {self.start.day}"
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year}"
        return f"{self.start:%B %Y}"

    def shifted(self, steps: int) -> Period:
        if self.kind == "day":
            return day_period(self.start + timedelta(days=steps))
        if self.kind == "week":
            return week_period(self.start + timedelta(weeks=steps))
        months = self.start.year * 12 + self.start.month - 1 + steps
        return month_period(months // 12, months % 12 + 1)


def day_period(day: date) -> Period:
    return Period("day", day, day + timedelta(days=1))


def week_period(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period("week", monday, monday + timedelta(days=7))


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", start, end)


def parse_period(
    day: str | None = None, week: str | None = None, month: str | None = None
) -> Period | None:
    """Parse at most one of ``date=YYYY-MM-DD``, ``week=YYYY-Www``, ``month=YYYY-MM``."""
    given = [(n, v) for n, v in (("date", day), ("week", week), ("month", month)) if v]
    if len(given) > 1:
        raise InvalidInput("give only one of date, week and month")
    if not given:
        return None
    name, value = given[0]
    value = value.strip()
    try:
        if name == "date":
            first = date.fromisoformat(value)
        else:
            m = (_WEEK if name == "week" else _MONTH).match(value)
            if not m:
                raise ValueError
            year, number = int(m.group(1)), int(m.group(2))
            first = (
                date.fromisocalendar(year, number, 1) if name == "week" else date(year, number, 1)
            )
    except ValueError:
        example = {"date": "2026-11-21", "week": "2026-W47", "month": "2026-11"}[name]
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise InvalidInput(f"invalid {name} {shown!r}; expected e.g. {example}") from None
    check_day(first, name)  # before any window is computed around it
    if name == "date":
        return day_period(first)
    if name == "week":
        return week_period(first)
    return month_period(first.year, first.month)
