"""Idempotent batch upserts of :class:`PaperRecord` into the store, keyed on arXiv id.

Rules: a newer arXiv version replaces an older one's metadata, an older never overwrites a
newer; a field a source does not know (``None``, empty) never erases a known one; community
fields (upvotes, GitHub, project page) take the latest value a source reports; a paper gets a
daily entry the first time a source places it on a day. Every written paper is appended to the
change sequence so derived indexes follow. A batch that the database rejects is retried one
record at a time so a single bad record is reported and skipped, never half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, StatementError
from sqlalchemy.orm import Session

from paperfeed.ingest.organizations import organization_ids
from paperfeed.ingest.records import Failure, IngestReport, PaperRecord
from paperfeed.store.changes import record_changes
from paperfeed.store.html_models import PaperHtmlRow
from paperfeed.store.models import DailyEntry, Paper
from paperfeed.text.search_text import search_text_or_none

logger = logging.getLogger(__name__)

ARXIV_FIELDS = (
    "title",
    "abstract",
    "authors",
    "categories",
    "comments",
    "journal_ref",
    "doi",
    "published_at",
    "updated_at",
)
COMMUNITY_FIELDS = (
    "github_repo",
    "github_stars",
    "project_page",
    "upvotes",
    "num_comments",
    # Hugging Face's own (ingest/hf_fields.py): the latest value a source reports, too.
    "ai_summary",
    "ai_summary_model",
    "ai_keywords",
    "thumbnail",
    "media_urls",
    "discussion_id",
    "github_repo_added_by",
)
# A source's upvote count is the paper's *imported* base; members' votes (paper_votes) come on
# top of it in ``papers.upvotes``, so an import moves that total by the change of the base.
_FIELD_COLUMN = {"upvotes": "imported_upvotes"}
# Derived from the source's text whenever it is written (paperfeed.text, docs/text-and-math.md)
SEARCH_TEXT = {"title_search": "title", "abstract_search": "abstract"}
_COLUMNS = (
    "id",
    "arxiv_id",
    "version",
    "primary_category",
    *ARXIV_FIELDS,
    *(_FIELD_COLUMN.get(name, name) for name in COMMUNITY_FIELDS),
    "organization_id",
)


def upsert_records(
    session: Session,
    records: Iterable[PaperRecord | Failure],
    *,
    source: str,
    now: datetime,
    batch_size: int = 500,
    bulk: bool = False,
) -> IngestReport:
    """Write ``records`` (parse failures are passed through into the report). No commit.

    ``bulk=True`` lets PostgreSQL acknowledge the caller's commit before its WAL reaches
    disk (``synchronous_commit = off`` for this transaction only). A crash can then lose the
    last fraction of a second of *committed* batches, never part of one: ingest pipelines
    commit each page together with its resume cursor, so the next run fetches exactly those
    pages again. It also lets the full-text GIN indexes collect up to 32 MB of new entries
    before merging them (``gin_pending_list_limit``, default 4 MB): merging in larger runs is
    what bulk loads need, measured on 74,728 papers 1.8k -> 2.3k records/s; autovacuum and
    later merges fold the list in. Interactive writes (a user's submission) keep the defaults.
    """
    if bulk and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
        session.execute(text("SET LOCAL gin_pending_list_limit = '32MB'"))
    report = IngestReport(source)
    for batch in _batched(records, batch_size):
        _upsert_isolated(session, batch, source, now, report)
    return report


def _batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _upsert_isolated(session, batch, source, now, report) -> None:
    try:
        with session.begin_nested():
            part = _upsert_batch(session, batch, source, now)
    except (StatementError, ValueError, OverflowError) as exc:
        if isinstance(exc, OperationalError | InterfaceError | InternalError):
            # The database is unavailable, locked or full: not this record's fault. SQLite
            # rolls the whole transaction back on some errors (SQLITE_FULL, SQLITE_IOERR),
            # taking the savepoint with it: report the error, not "no such savepoint".
            if "no such savepoint" in str(exc) and exc.__context__ is not None:
                raise exc.__context__ from None
            raise
        if len(batch) == 1:
            record = batch[0]
            logger.warning("record %s rejected by the database: %s", record.arxiv_id, exc)
            report.fail(record.arxiv_id, f"rejected by the database: {_first_line(exc)}")
            return
        for record in batch:
            _upsert_isolated(session, [record], source, now, report)
        return
    report.merge(part)


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).splitlines() or ["error"])[0][:300]


def _upsert_batch(session: Session, batch: list, source: str, now: datetime) -> IngestReport:
    report = IngestReport(source)
    report.failed.extend(item for item in batch if isinstance(item, Failure))
    records = [item for item in batch if not isinstance(item, Failure)]
    if not records:
        return report
    report.skipped_fields.extend(Failure(r.arxiv_id, why) for r in records for why in r.skipped)
    orgs = organization_ids(session, records, now)
    current, entries = _read_current(session, records)
    status, new_entries = _merge_records(records, current, set(entries), source, now, orgs)
    added = [current[a] for a, s in status.items() if s == "added"]
    changed = [current[a] for a, s in status.items() if s == "updated"]
    for row in (*added, *changed):
        _derive_search_text(row)
    if added:
        _insert_papers(session, added, current, now)
    if changed:
        _update_papers(session, changed, now)
        if rewritten := [r["id"] for r in changed if r["_text"] != (r["title"], r["abstract"])]:
            # their HTML is rendered again after the ingest (text/paper_html.py)
            table = PaperHtmlRow.__table__
            session.execute(delete(table).where(table.c.paper_id.in_(rewritten)))
    if new_entries:
        session.execute(
            insert(DailyEntry.__table__),
            [{"paper_id": current[a]["id"], **e} for a, e in new_entries.items()],
        )
    for arxiv_id in _update_submitters(session, records, current, entries):
        status[arxiv_id] = "updated" if status[arxiv_id] == "unchanged" else status[arxiv_id]
    touched = [current[a]["id"] for a, s in status.items() if s != "unchanged"]
    record_changes(session, touched, now)
    _tally(report, status)
    return report


def _read_current(
    session: Session, records: list[PaperRecord]
) -> tuple[dict[str, dict], dict[int, dict]]:
    """The stored rows of the batch's papers, by arXiv id, and their entries' submitters."""
    ids = list({r.arxiv_id for r in records})
    table = Paper.__table__
    current: dict[str, dict] = {
        row["arxiv_id"]: dict(row)
        for row in session.execute(
            select(*(table.c[c] for c in _COLUMNS)).where(table.c.arxiv_id.in_(ids))
        ).mappings()
    }
    for row in current.values():
        row["_text"] = (row["title"], row["abstract"])  # what the stored HTML was made from
    known_ids = [row["id"] for row in current.values()]
    entries = DailyEntry.__table__
    found = session.execute(
        select(entries.c.paper_id, entries.c.submitter, entries.c.submitted_by_user_id).where(
            entries.c.paper_id.in_(known_ids)
        )
    ).mappings()
    return current, {row["paper_id"]: dict(row) for row in found}


def _update_submitters(
    session: Session, records: list[PaperRecord], current: dict[str, dict], entries: dict
) -> list[str]:
    """Fill in (or refresh) the HF submitter of imported entries made before it was known;
    an entry submitted here (``submitted_by_user_id``) keeps its own. The arXiv ids changed."""
    changed: dict[int, tuple[str, dict]] = {}
    for rec in records:
        entry = entries.get(current[rec.arxiv_id].get("id"))
        imported = entry is not None and entry["submitted_by_user_id"] is None
        if rec.submitter and imported and entry["submitter"] != rec.submitter:
            changed[entry["paper_id"]] = (rec.arxiv_id, rec.submitter)
            entry["submitter"] = rec.submitter
    table = DailyEntry.__table__
    for paper_id, (_arxiv_id, submitter) in changed.items():
        username = submitter.get("user") or submitter.get("name")
        session.execute(
            update(table)
            .where(table.c.paper_id == paper_id)
            .values(submitter=submitter, submitted_by=username)
        )
    return [arxiv_id for arxiv_id, _s in changed.values()]


def _merge_records(
    records: list[PaperRecord],
    current: dict[str, dict],
    with_entry: set[int],
    source: str,
    now: datetime,
    orgs: dict[str, int],
) -> tuple[dict[str, str], dict[str, dict]]:
    """Apply the records onto ``current`` (new papers get a row); each paper's status
    (added, updated, unchanged) and the daily entries to create, by arXiv id."""
    status: dict[str, str] = {}
    new_entries: dict[str, dict] = {}
    for rec in records:
        row = current.get(rec.arxiv_id)
        org_id = orgs.get(rec.organization["name"]) if rec.organization else None
        if row is None:
            current[rec.arxiv_id] = _new_row(rec, now)
            current[rec.arxiv_id]["organization_id"] = org_id
            status[rec.arxiv_id] = "added"
        elif _merge(row, rec, org_id) and status.get(rec.arxiv_id) != "added":
            status[rec.arxiv_id] = "updated"
        else:
            status.setdefault(rec.arxiv_id, "unchanged")
        row = current[rec.arxiv_id]
        if (
            rec.feed_day is not None
            and row.get("id") not in with_entry
            and rec.arxiv_id not in new_entries
        ):
            new_entries[rec.arxiv_id] = {
                "day": rec.feed_day,
                "submitted_at": rec.submitted_at or now,
                "submitted_by": rec.submitted_by,
                "submitter": rec.submitter,
                "source": source,
            }
            if status[rec.arxiv_id] == "unchanged":
                status[rec.arxiv_id] = "updated"
    return status, new_entries


def _insert_papers(
    session: Session, added: list[dict], current: dict[str, dict], now: datetime
) -> None:
    """Insert the new papers and set their ids in ``current``."""
    table = Paper.__table__
    for row in added:
        row.update(created_at=now, modified_at=now, hidden=False)
        row["upvotes"] = row["imported_upvotes"]  # no member has voted on it yet
    # A Core executemany, then one SELECT for the new ids. The ORM's bulk insert splits a
    # batch wherever rows differ in which columns are None (216 statements for 500 rows),
    # and INSERT..RETURNING goes through one giant multi-VALUES statement per page that
    # psycopg spends longer parsing than PostgreSQL spends inserting; a plain executemany
    # is pipelined by psycopg with the statement parsed once.
    session.execute(
        insert(table),
        [{k: v for k, v in row.items() if k != "id" and k[0] != "_"} for row in added],
    )
    new_ids = [row["arxiv_id"] for row in added]
    for paper_id, arxiv_id in session.execute(
        select(table.c.id, table.c.arxiv_id).where(table.c.arxiv_id.in_(new_ids))
    ):
        current[arxiv_id]["id"] = paper_id


def _update_papers(session: Session, changed: list[dict], now: datetime) -> None:
    table = Paper.__table__
    for row in changed:
        row["modified_at"] = now
    base = [r for r in changed if r["imported_upvotes"] != r["_old_imported"]]
    if base:
        # Relative to the row's values at write time, so a member's vote committed since
        # our read is kept: total = total + (new base - old base).
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                upvotes=table.c.upvotes + bindparam("b_new") - table.c.imported_upvotes,
                imported_upvotes=bindparam("b_new"),
            ),
            [{"b_id": r["id"], "b_new": r["imported_upvotes"]} for r in base],
        )
    plain = [c for c in (*_COLUMNS, *SEARCH_TEXT, "modified_at") if c != "imported_upvotes"]
    session.execute(update(Paper), [{k: row[k] for k in plain} for row in changed])


def _tally(report: IngestReport, status: dict[str, str]) -> None:
    for arxiv_id, s in status.items():
        if s == "added":
            report.added += 1
            report.added_ids.append(arxiv_id)
        elif s == "updated":
            report.updated += 1
        else:
            report.unchanged += 1


def _derive_search_text(row: dict) -> None:
    """What keyword search indexes, NULL where that is the source itself (most papers)."""
    for column, source in SEARCH_TEXT.items():
        row[column] = search_text_or_none(row[source])


def _new_row(rec: PaperRecord, now: datetime) -> dict:
    row = {
        "arxiv_id": rec.arxiv_id,
        "version": rec.version or 1,
        "primary_category": rec.categories[0] if rec.categories else None,
        "upvotes": rec.upvotes or 0,
        "imported_upvotes": rec.upvotes or 0,
        "num_comments": rec.num_comments or 0,
    }
    for name in ARXIV_FIELDS:
        value = getattr(rec, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    for name in COMMUNITY_FIELDS:
        if name not in row:
            value = getattr(rec, name)
            row[name] = list(value) if isinstance(value, tuple) else value
    return row


def _merge(row: dict, rec: PaperRecord, org_id: int | None) -> bool:
    """Apply ``rec`` onto ``row`` in place by the rules above; return whether anything changed."""
    changed = False
    older = rec.version is not None and rec.version < row["version"]
    if not older:
        if rec.version is not None and rec.version > row["version"]:
            row["version"] = rec.version
            changed = True
        for name in ARXIV_FIELDS:
            value = getattr(rec, name)
            if value is None or value == "" or value == ():
                continue
            if isinstance(value, tuple):
                value = list(value)
            if row[name] != value:
                row[name] = value
                changed = True
        primary = row["categories"][0] if row["categories"] else None
        if row["primary_category"] != primary:
            row["primary_category"] = primary
            changed = True
    if org_id is not None and row["organization_id"] != org_id:
        row["organization_id"] = org_id
        changed = True
    for name in COMMUNITY_FIELDS:
        value = getattr(rec, name)
        if isinstance(value, tuple):
            value = list(value)
        column = _FIELD_COLUMN.get(name, name)
        if value is not None and row[column] != value:
            row.setdefault("_old_imported", row["imported_upvotes"])
            row[column] = value
            changed = True
    row.setdefault("_old_imported", row["imported_upvotes"])
    return changed
