"""One reading of a search's parameters, for every surface (issue 14 item 6).

``/search``, its feeds, ``/api/papers/search``, ``paperfeed search`` and topic digests all
describe a search with the same values: a query, a mode, filters (category, author, dates)
and a window (limit, offset). :func:`parse_search_request` reads them from raw strings (what
a query string or a command-line option holds) and :class:`SearchRequest` checks them, so
the limits and the messages of a refusal (:class:`~paperfeed.errors.InvalidInput`) are the
same everywhere; each surface only maps its inputs here and renders the error its own way.

What differs between surfaces by design is their :class:`Paging`: the pages show
``page_size`` papers and number pages from 1; the API numbers them from 0 (as on HF) and caps
a ``limit`` above ``api_max_limit`` silently (docs in ``api/routes.py``); the CLI takes an
offset and refuses a limit above :data:`MAX_LIMIT`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from paperfeed.errors import InvalidInput
from paperfeed.search.base import SearchFilters
from paperfeed.service.day_range import check_day, parse_day

MAX_LIMIT = 1_000
MAX_OFFSET = 10_000
MAX_QUERY_CHARS = 500  # the search box's maxlength; the query parser reads 2,000 at most
MAX_CATEGORY_CHARS = 64
MAX_AUTHOR_CHARS = 200
_MAX_DIGITS = 12  # a number longer than this is out of every range: not worth parsing


class Mode(StrEnum):
    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


MODES = tuple(m.value for m in (Mode.HYBRID, Mode.KEYWORD, Mode.SEMANTIC))


@dataclass(frozen=True)
class Paging:
    """How a surface pages its results (these differ by design, see the module docstring)."""

    default_limit: int
    max_limit: int = MAX_LIMIT
    cap_limit: bool = False  # a limit above max_limit: capped (True) or refused (False)
    first_page: int = 0  # the number of the first page, for surfaces that take a page


@dataclass(frozen=True)
class SearchRequest:
    """A valid search: constructing one checks it (so does ``service.search.search``)."""

    query: str = ""
    mode: Mode | None = None  # as asked; None: the site's default (``search_mode``)
    filters: SearchFilters = field(default_factory=SearchFilters)
    limit: int = 20
    offset: int = 0
    fulltext: bool = False  # match inside papers' full text too (docs/fulltext.md)

    def __post_init__(self) -> None:
        if len(self.query) > MAX_QUERY_CHARS:
            raise InvalidInput(
                f"the query (q) is {len(self.query):,} characters long; "
                f"keep it to at most {MAX_QUERY_CHARS}"
            )
        check_window(self.limit, self.offset)
        check_dates(self.filters)

    def mode_or(self, default: str) -> Mode:
        return self.mode or Mode(default)

    def query_params(self) -> dict[str, str]:
        """The non-empty search parameters, normalised, in a stable order (for links)."""
        f = self.filters
        pairs = (
            ("q", self.query),
            ("category", f.category),
            ("author", f.author),
            ("from", f.date_from and f.date_from.isoformat()),
            ("to", f.date_to and f.date_to.isoformat()),
            ("mode", self.mode and self.mode.value),
            ("fulltext", "1" if self.fulltext else None),
        )
        return {k: v for k, v in pairs if v}


def parse_search_request(
    query: str | None = None,
    *,
    mode: str | None = None,
    category: str | None = None,
    author: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: str | None = None,
    page: str | None = None,
    offset: str | None = None,
    fulltext: str | bool | None = None,
    paging: Paging,
) -> SearchRequest:
    """A :class:`SearchRequest` from raw values; None or blank means "not given".

    A surface gives ``page`` (numbered from ``paging.first_page``) or ``offset``, not both.
    """
    size = _limit(limit, paging)
    if page is not None and page.strip():
        last = paging.first_page + MAX_OFFSET // size
        start = (whole_number("p", page, paging.first_page, last) - paging.first_page) * size
    else:
        start = whole_number("offset", offset, 0, MAX_OFFSET) if offset else 0
    filters = SearchFilters(
        date_from=parse_day("from", date_from),
        date_to=parse_day("to", date_to),
        category=_text("category", category, MAX_CATEGORY_CHARS),
        author=_text("author", author, MAX_AUTHOR_CHARS),
    )
    return SearchRequest(
        query or "", parse_mode(mode), filters, size, start, parse_flag("fulltext", fulltext)
    )


def parse_flag(name: str, value: str | bool | None) -> bool:
    """An on/off parameter: 1/true/on/yes or 0/false/off/no (any case); blank is off."""
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "off", "no"):
        return False
    if text in ("1", "true", "on", "yes"):
        return True
    raise InvalidInput(f"{name} must be 1 or 0 (or true/false), got {text[:40]!r}")


def parse_mode(value: str | None) -> Mode | None:
    if value is None or not value.strip():
        return None
    try:
        return Mode(value.strip())
    except ValueError:
        raise InvalidInput(f"unknown mode {value[:40]!r}; use one of {', '.join(MODES)}") from None


def whole_number(name: str, value: str | int | None, low: int, high: int) -> int:
    """``value`` as an int from ``low`` to ``high``; InvalidInput saying the range if not."""
    number = value if isinstance(value, int) else None
    text = str(value).strip() if value is not None else ""
    if number is None and len(text) <= _MAX_DIGITS:
        try:
            number = int(text)
        except ValueError:
            number = None
    if number is None or not low <= number <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}, got {text[:40]!r}")
    return number


def check_window(limit: int, offset: int) -> None:
    whole_number("limit", limit, 1, MAX_LIMIT)
    whole_number("offset", offset, 0, MAX_OFFSET)


def check_dates(filters: SearchFilters) -> None:
    """The date filters can be searched: in the calendar's range and in order."""
    days: dict[str, date | None] = {"from": filters.date_from, "to": filters.date_to}
    for name, day in days.items():
        if day is not None:
            check_day(day, name)  # the indexes search up to the start of the day after `to`
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(f"from {filters.date_from} is after to {filters.date_to}; swap them")


def _limit(value: str | None, paging: Paging) -> int:
    if value is None or not value.strip():
        return paging.default_limit
    text = value.strip()
    if paging.cap_limit and text.isascii() and text.isdigit() and text.strip("0"):
        # Capped above the maximum, however large (clients written for HF); still refused
        # below 1 or when not a number.
        return paging.max_limit if len(text) > _MAX_DIGITS else min(int(text), paging.max_limit)
    return whole_number("limit", text, 1, paging.max_limit)


def _text(name: str, value: str | None, max_chars: int) -> str | None:
    text = (value or "").strip()
    if len(text) > max_chars:
        raise InvalidInput(
            f"{name} is {len(text):,} characters long; keep it to at most {max_chars}"
        )
    return text or None
