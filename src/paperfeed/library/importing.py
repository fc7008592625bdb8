"""Import a reference file into one of a member's collections, with a report.

1. The file is read within the limits (:mod:`paperfeed.library.reference_readers`); a file
   over one is refused whole, before anything is looked up.
2. Entries are matched to papers of the instance (:mod:`paperfeed.library.matching`).
3. Entries with an arXiv id that matched nothing are fetched from the arXiv API (at most
   ``max_fetch`` of them, in batches of 100 with the polite delay), outside any transaction.
4. One transaction stores the fetched papers and adds every matched paper to the collection
   (:func:`~paperfeed.library.collections.add_papers`, idempotent): an error anywhere rolls
   all of it back, so nothing is ever half-imported.

Importing the same file again changes nothing: every entry now matches, every paper is
already in the collection (the report says so), and nothing is fetched.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.errors import SourceUnavailable
from paperfeed.ingest.arxiv_api import fetch_by_ids
from paperfeed.ingest.http import Fetcher
from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.library.collection_edits import clean_name, create_collection
from paperfeed.library.collections import (
    CollectionView,
    add_papers,
    owned_collection,
    saved_collection,
)
from paperfeed.library.matching import Match, match_references, papers_by_arxiv_id
from paperfeed.library.reference_readers import parse_file
from paperfeed.library.references import FORMATS, ImportLimits, ParsedFile, Reference
from paperfeed.settings import Settings
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Collection, CollectionItem

SOURCE = "library-import"

# Fetches papers from arXiv by bare id: a record or a Failure per id. Raises
# SourceUnavailable when arXiv cannot be reached.
ArxivFetch = Callable[[Sequence[str]], list[PaperRecord | Failure]]


@dataclass(frozen=True)
class ImportLine:
    """What became of one entry. ``outcome``: matched (the paper was here), fetched (got
    from arXiv just now), duplicate (of an earlier entry), not_found, or skipped (unreadable)."""

    number: int
    label: str
    outcome: str
    detail: str
    arxiv_id: str | None = None
    paper_id: int | None = None
    new_in_collection: bool = False
    title: str = ""  # as the file has it (plain text, shown escaped)


@dataclass(frozen=True)
class ImportReport:
    collection_id: int
    collection_name: str
    format: str
    lines: list[ImportLine] = field(default_factory=list)
    collection_path: str = ""  # the collection's page

    def _count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def entries(self) -> int:
        return len(self.lines)

    @property
    def matched(self) -> int:
        return self._count("matched")

    @property
    def fetched(self) -> int:
        return self._count("fetched")

    @property
    def not_found(self) -> int:
        return self._count("not_found") + self._count("skipped")

    @property
    def duplicates(self) -> int:
        return self._count("duplicate")

    @property
    def added(self) -> int:
        """Papers new in the collection."""
        return sum(1 for line in self.lines if line.new_in_collection)

    @property
    def format_name(self) -> str:
        return FORMATS[self.format]


def limits_of(settings: Settings) -> ImportLimits:
    return ImportLimits(
        max_bytes=settings.import_max_bytes, max_entries=settings.import_max_entries
    )


def arxiv_fetch(settings: Settings, *, max_wait: float = 5.0) -> ArxivFetch:
    """Fetch papers from the configured arXiv API with the polite delay between batches and
    few retries (a person waits for the report)."""

    def fetch(ids: Sequence[str]) -> list[PaperRecord | Failure]:
        with Fetcher(
            timeout=settings.http_timeout,
            retries=min(settings.http_retries, 1),
            delay=settings.http_delay,
            backoff=0.5,
            user_agent=settings.user_agent,
            sleep=lambda seconds: time.sleep(min(seconds, max_wait)),
        ) as fetcher:
            return [
                item
                for batch in fetch_by_ids(fetcher, settings.arxiv_api_url, ids)
                for item in batch
            ]

    return fetch


def import_file(
    sessions: sessionmaker[Session],
    fetch: ArxivFetch,
    *,
    user_id: int,
    data: bytes,
    fmt: str | None,
    limits: ImportLimits,
    max_fetch: int,
    now: datetime,
    collection_id: int | None = None,
    new_collection: str | None = None,
) -> ImportReport:
    """Import ``data`` (``fmt`` one of FORMATS, None to detect) into the member's collection
    ``collection_id``, else the one named ``new_collection`` (made if need be, in the same
    transaction), else "Saved". NotFound if the collection is not theirs, InvalidInput
    (TooLarge) for a bad file."""
    if new_collection is not None:
        clean_name(new_collection)  # a bad name fails before any work
    parsed = parse_file(data, fmt, limits)
    with session_scope(sessions, write=False) as session:
        if collection_id is not None:
            owned_collection(session, user_id, collection_id)
        matches, hidden = match_references(session, parsed.references)
    wanted = [
        r.arxiv_id
        for r in parsed.references
        if r.arxiv_id and r.number not in matches and r.number not in hidden
    ]
    wanted = list(dict.fromkeys(wanted))
    records, problems = _fetch(fetch, wanted[:max_fetch])
    for arxiv_id in wanted[max_fetch:]:
        problems[arxiv_id] = (
            f"not fetched: an import fetches at most {max_fetch} papers from arXiv; "
            "import the file again to fetch the rest"
        )
    with session_scope(sessions) as session:
        collection = _target(session, user_id, collection_id, new_collection, now)
        fetched = _store(session, records, problems, now)
        lines = _lines(parsed, matches, hidden, fetched, problems)
        paper_ids = _chosen(lines)
        before = _in_collection(session, collection.id, paper_ids)
        add_papers(
            session, user_id=user_id, collection_id=collection.id, paper_ids=paper_ids, now=now
        )
        lines = [_marked(line, before) for line in lines]
        path = CollectionView.of(collection).share_path
        return ImportReport(collection.id, collection.name, parsed.format, lines, path)


def _target(
    session: Session,
    user_id: int,
    collection_id: int | None,
    new_collection: str | None,
    now: datetime,
) -> Collection:
    if collection_id is not None:
        return owned_collection(session, user_id, collection_id)
    if new_collection is None:
        return saved_collection(session, user_id, now=now)
    name, key = clean_name(new_collection)
    existing = session.scalar(
        select(Collection).where(Collection.user_id == user_id, Collection.name_key == key)
    )
    return existing or create_collection(session, user_id, name=name, now=now)


def _chosen(lines: list[ImportLine]) -> list[int]:
    """The papers to add, in file order (duplicates point at one already chosen)."""
    return [
        line.paper_id
        for line in lines
        if line.paper_id is not None and line.outcome in ("matched", "fetched")
    ]


def _marked(line: ImportLine, before: set[int]) -> ImportLine:
    new = line.outcome in ("matched", "fetched") and line.paper_id not in before
    return dataclasses.replace(line, new_in_collection=new)


def _fetch(fetch: ArxivFetch, ids: list[str]) -> tuple[list[PaperRecord], dict[str, str]]:
    if not ids:
        return [], {}
    try:
        results = fetch(ids)
    except SourceUnavailable as exc:
        reason = f"arXiv could not be reached ({exc.message[:120]}); import again later"
        return [], dict.fromkeys(ids, reason)
    records = [r for r in results if isinstance(r, PaperRecord)]
    problems = {f.key: f.reason for f in results if isinstance(f, Failure)}
    return records, problems


def _store(
    session: Session, records: list[PaperRecord], problems: dict[str, str], now: datetime
) -> dict[str, int]:
    """Store the fetched papers; ``arxiv_id -> paper id`` of those now in the store."""
    if not records:
        return {}
    report = upsert_records(session, records, source=SOURCE, now=now)
    for failure in report.failed:
        problems[failure.key] = f"arXiv's record could not be stored: {failure.reason}"
    stored = papers_by_arxiv_id(session, (r.arxiv_id for r in records))
    return {arxiv_id: pid for arxiv_id, (pid, hidden) in stored.items() if not hidden}


def _lines(
    parsed: ParsedFile,
    matches: dict[int, Match],
    hidden: dict[int, str],
    fetched: dict[str, int],
    problems: dict[str, str],
) -> list[ImportLine]:
    lines: list[ImportLine] = []
    first_of: dict[int, int] = {}  # paper id -> number of the entry that brought it
    for ref in parsed.references:
        line = _line(ref, matches, hidden, fetched, problems)
        if line.paper_id is not None:
            if line.paper_id in first_of:
                line = ImportLine(
                    ref.number,
                    ref.label,
                    "duplicate",
                    f"same paper as entry {first_of[line.paper_id]}",
                    line.arxiv_id,
                    paper_id=line.paper_id,
                )
            else:
                first_of[line.paper_id] = ref.number
        lines.append(dataclasses.replace(line, title=ref.title[:300]))
    lines += [ImportLine(s.number, s.label, "skipped", s.reason) for s in parsed.skipped]
    return sorted(lines, key=lambda line: line.number)


def _line(ref: Reference, matches, hidden, fetched, problems) -> ImportLine:
    if ref.number in matches:
        m = matches[ref.number]
        return ImportLine(
            ref.number, ref.label, "matched", f"by {m.how}", m.arxiv_id, paper_id=m.paper_id
        )
    if ref.number in hidden:
        return ImportLine(
            ref.number,
            ref.label,
            "not_found",
            "removed from this instance by the moderators",
            ref.arxiv_id,
        )
    if ref.arxiv_id and ref.arxiv_id in fetched:
        return ImportLine(
            ref.number,
            ref.label,
            "fetched",
            "from arXiv",
            ref.arxiv_id,
            paper_id=fetched[ref.arxiv_id],
        )
    if ref.arxiv_id:
        return ImportLine(
            ref.number,
            ref.label,
            "not_found",
            problems.get(ref.arxiv_id, "arXiv has no paper with this id"),
            ref.arxiv_id,
        )
    what = "title" if not (ref.doi or ref.title) else "arXiv id, DOI or title"
    return ImportLine(
        ref.number,
        ref.label,
        "not_found",
        f"no paper here matches its {what}; it has no arXiv id to fetch",
    )


def _in_collection(session: Session, collection_id: int, paper_ids: list[int]) -> set[int]:
    present: set[int] = set()
    ids = sorted(set(paper_ids))
    for start in range(0, len(ids), 500):
        present.update(
            session.scalars(
                select(CollectionItem.paper_id).where(
                    CollectionItem.collection_id == collection_id,
                    CollectionItem.paper_id.in_(ids[start : start + 500]),
                )
            )
        )
    return present
