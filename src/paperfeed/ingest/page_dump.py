"""The page-dump text format of ``seeds/``: a Daily Papers page saved as plain text.

Layout: site chrome ("new", "Get trending papers in your email inbox!", "Subscribe",
"Daily Papers", "byAK and the research community"), then the page's date header
("Apr 3"), then cards separated by blank lines::

    <title>
    <abstract, one line>
      • 5 authors
    ·
    Aug 9, 2021 [upvotes]

Rules decided here:

* **Chrome** is everything up to and including the date header (the first line that is only
  a date). Lines after the last card that do not complete a card are footer and ignored.
* **Dates.** A card shows the publication date, with the year only when it is not the
  page's year ("Mar 1" = March 1st of the page's year). The page's year is ``year`` if
  given (``--year``), else one more than the latest explicit year on the page (explicit
  years are, by that convention, earlier years; both seed pages give 2026), else
  ``default_year`` (the CLI passes the file's modification year). A yearless date later in
  the year than the header is taken from the year before.
* **Upvotes** are the optional number after the date ("Feb 25 2", "Jul 3, 2025 1").
* **Authors.** Cards show only a count ("5 authors"), never names. Records keep authors
  empty (the upsert never erases known names with an empty list); the count stays on the
  :class:`PageCard` and is used to choose between papers of the same title.
* **arXiv ids.** The seed dumps contain no arXiv id and no URL anywhere (checked: no
  ``arxiv``, no ``http``, no ``NNNN.NNNNN`` in either file). An id can only be derived by
  matching the card's title to a paper already in the database (``resolve_id``, see
  :func:`store_title_resolver`). A matched card updates that paper's upvotes (and its title,
  which is equal up to case) and nothing else: the card's day-precision date and its
  unwrapped abstract are worse than what arXiv gave us. A card that cannot be matched is a
  ``Failure(title, "no arXiv id in the page dump")``; nothing is invented.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.ingest.records import Failure, PaperRecord, clean_line
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

NO_ID = "no arXiv id in the page dump"
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: n for n, m in enumerate(_MONTH_NAMES, 1)}
_DATE = re.compile(
    r"^(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?$"
)
_AUTHORS = re.compile(r"^(?:[•·*-]\s*)?(?P<n>\d+) authors?$")
_SEPARATOR = "·"


@dataclass(frozen=True)
class PageCard:
    title: str
    abstract: str
    author_count: int | None
    published: date | None
    upvotes: int | None
    line: int  # line number of the title, to locate the card in the file


Resolver = Callable[[PageCard], str | None]


def _page_year(lines: list[str], year: int | None, default_year: int) -> int:
    if year is not None:
        return year
    explicit = [int(m["year"]) for m in map(_DATE.match, lines) if m and m["year"]]
    return max(explicit) + 1 if explicit else default_year


def parse_cards(
    text: str, *, year: int | None = None, default_year: int | None = None
) -> list[PageCard]:
    """Every card of a page dump, chrome and footer stripped."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    page_year = _page_year(lines, year, default_year or datetime.now(UTC).year)
    header: date | None = None
    start = 0
    for i, line in enumerate(lines):
        m = _DATE.match(line)
        if m and not m["upvotes"]:
            header = _to_date(m, page_year, None)
            start = i + 1
            break
    cards: list[PageCard] = []
    pending: list[tuple[int, str]] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line:
            continue
        m = _DATE.match(line)
        if m and pending and (pending[-1][1] == _SEPARATOR or _AUTHORS.match(pending[-1][1])):
            card = _card(pending, _to_date(m, page_year, header), m["upvotes"])
            if card is not None:
                cards.append(card)
            pending = []
            continue
        pending.append((i + 1, line))
    if pending:
        logger.debug("page dump: %d trailing line(s) ignored as footer", len(pending))
    return cards


def _to_date(m: re.Match, page_year: int, header: date | None) -> date | None:
    year = int(m["year"]) if m["year"] else page_year
    try:
        day = date(year, _MONTHS[m["mon"]], int(m["day"]))
    except ValueError:
        return None
    if not m["year"] and header is not None and day > header:
        day = day.replace(year=year - 1)
    return day


def _card(pending: list[tuple[int, str]], published: date | None, upvotes: str | None):
    body = [(n, text) for n, text in pending if text != _SEPARATOR]
    count = None
    if body and (m := _AUTHORS.match(body[-1][1])):
        count = int(m["n"])
        body = body[:-1]
    if not body:
        return None
    return PageCard(
        title=clean_line(body[0][1]),
        abstract="\n\n".join(text for _, text in body[1:]),
        author_count=count,
        published=published,
        upvotes=int(upvotes) if upvotes else None,
        line=body[0][0],
    )


def parse_page_dump(
    text: str,
    *,
    resolve_id: Resolver | None = None,
    year: int | None = None,
    default_year: int | None = None,
    label: str = "page dump",
) -> Iterator[PaperRecord | Failure]:
    """Cards -> records for cards whose arXiv id can be resolved, Failure for the others."""
    cards = parse_cards(text, year=year, default_year=default_year)
    if not cards:
        raise InvalidInput(f"{label}: no paper cards found (is this a Daily Papers page dump?)")
    for card in cards:
        key = f"{label}:{card.line} {card.title[:80]!r}"
        arxiv_id = resolve_id(card) if resolve_id else None
        if arxiv_id is None:
            yield Failure(key, NO_ID)
            continue
        try:
            yield PaperRecord.build(arxiv_id=arxiv_id, title=card.title, upvotes=card.upvotes)
        except InvalidInput as exc:
            yield Failure(key, exc.message)


def store_title_resolver(session: Session) -> Resolver:
    """Resolve a card by its title (case-insensitive) among papers already stored.

    With several papers of that title, the one whose author count equals the card's wins;
    with no way to choose, the card stays unresolved rather than guessing.
    """

    def resolve(card: PageCard) -> str | None:
        rows = session.execute(
            select(Paper.arxiv_id, Paper.authors).where(
                func.lower(Paper.title) == card.title.lower()
            )
        ).all()
        if len(rows) > 1 and card.author_count is not None:
            rows = [r for r in rows if len(r.authors or ()) == card.author_count]
        return rows[0].arxiv_id if len(rows) == 1 else None

    return resolve
