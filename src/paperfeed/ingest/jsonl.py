"""The "paperfeed/1" JSON Lines format: our own lossless export and import.

One JSON object per line whose keys are exactly :class:`PaperRecord` field names (a subset
is fine, unknown keys are an error so a typo never silently drops data): datetimes are
ISO-8601 with a timezone, ``feed_day`` is ``YYYY-MM-DD``, ``authors``/``categories`` are
lists, ``null`` means unknown. ``export_lines`` writes every paper with its feed entry,
sorted by arXiv id, so export -> import into an empty database -> export gives the same
bytes. Every file source in this package reads ``.gz`` transparently through
:func:`read_file_bytes` / :func:`iter_file_lines`.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from paperfeed.errors import InvalidInput
from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.links import github_url, web_url
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

FORMAT = "paperfeed/1"
# ``skipped`` is what an import dropped, not part of the paper.
FIELDS = tuple(f.name for f in dataclasses.fields(PaperRecord) if f.name != "skipped")
_DATETIMES = ("published_at", "updated_at", "submitted_at")


def read_file_bytes(path: str | Path) -> bytes:
    """The whole file, gunzipped when it is gzip (by magic bytes, not by name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{path}: damaged gzip file ({exc})") from None
    return data


def iter_file_lines(path: str | Path) -> Iterator[str]:
    """Text lines of a (possibly gzipped) UTF-8 file, streamed."""
    path = Path(path)
    try:
        with path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from None


def record_from_json(obj: object) -> PaperRecord:
    """Build a record from one paperfeed/1 object; raise InvalidInput on any bad field."""
    if not isinstance(obj, dict):
        raise InvalidInput("not a JSON object")
    unknown = sorted(set(obj) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)} (format {FORMAT})")
    for key, value in obj.items():
        kind = _TYPES.get(key)
        if value is not None and kind is not None and not _is(value, kind):
            raise InvalidInput(f"{key} must be {_KIND_NAMES[kind]}")
    fields = dict(obj)
    for key in _DATETIMES:
        if fields.get(key) is not None:
            fields[key] = _parse_datetime(key, fields[key])
    if fields.get("feed_day") is not None:
        try:
            fields["feed_day"] = date.fromisoformat(str(fields["feed_day"]))
        except ValueError:
            raise InvalidInput(f"feed_day {fields['feed_day']!r} is not YYYY-MM-DD") from None
    for key in ("authors", "categories"):
        value = fields.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(x, str) for x in value)
        ):
            raise InvalidInput(f"{key} must be a list of strings")
    for key in ("title", "abstract"):
        if fields.get(key) is None:
            fields.pop(key, None)
    return PaperRecord.build(**fields)


_TEXT = ("arxiv_id", "title", "abstract", "comments", "journal_ref", "doi", "github_repo")
_TYPES: dict[str, type] = {
    **dict.fromkeys((*_TEXT, "project_page", "submitted_by", *_DATETIMES, "feed_day"), str),
    # The Hugging Face fields are checked by PaperRecord.build (ingest/hf_fields.py).
    **dict.fromkeys(("version", "github_stars", "upvotes", "num_comments"), int),
}
_KIND_NAMES = {str: "a string", int: "an integer"}


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def _parse_datetime(key: str, value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{key} {value!r} is not an ISO-8601 datetime") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{key} {value!r} has no timezone")
    return parsed


def parse_jsonl(lines: Iterable[str | bytes]) -> Iterator[PaperRecord | Failure]:
    """paperfeed/1 lines -> records; a bad line becomes ``Failure("line N", reason)``."""
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            line = line.decode("utf-8", "replace")
        if not line.strip():
            continue
        key = f"line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(key, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        try:
            record = record_from_json(obj)
        except InvalidInput as exc:
            if isinstance(obj, dict) and obj.get("arxiv_id"):
                key = f"{key} ({str(obj['arxiv_id'])[:40]})"
            yield Failure(key, exc.message)
            continue
        yield record


def record_to_json(record: PaperRecord) -> str:
    """One paperfeed/1 line (without the newline), keys in field order."""
    obj: dict[str, object] = {}
    for name in FIELDS:
        value = getattr(record, name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        obj[name] = value
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def paper_to_record(paper: Paper) -> PaperRecord:
    """The stored paper and its feed entry as a record (no validation: it is already ours)."""
    entry = paper.entry
    return PaperRecord(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        version=paper.version,
        authors=tuple(paper.authors or ()),
        categories=tuple(paper.categories or ()),
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        published_at=paper.published_at,
        updated_at=paper.updated_at,
        github_repo=github_url(paper.github_repo),  # a link stored before import checks
        github_stars=paper.github_stars,
        project_page=web_url(paper.project_page),
        upvotes=paper.upvotes,
        num_comments=paper.num_comments,
        feed_day=entry.day if entry else None,
        submitted_by=entry.submitted_by if entry else None,
        submitted_at=entry.submitted_at if entry else None,
        **_hf_fields(paper),
    )


def _hf_fields(paper: Paper) -> dict:
    org = paper.organization
    entry = paper.entry
    return {
        "ai_summary": paper.ai_summary,
        "ai_summary_model": paper.ai_summary_model,
        "ai_keywords": tuple(paper.ai_keywords) if paper.ai_keywords else None,
        "thumbnail": web_url(paper.thumbnail),
        "media_urls": tuple(paper.media_urls) if paper.media_urls else None,
        "discussion_id": paper.discussion_id,
        "github_repo_added_by": paper.github_repo_added_by,
        "organization": (
            {"name": org.name, "fullname": org.fullname, "avatar": org.avatar, "hf_id": org.hf_id}
            if org
            else None
        ),
        "submitter": entry.submitter if entry and entry.submitter else None,
    }


def export_lines(session: Session, batch_size: int = 1000) -> Iterator[str]:
    """Every paper as a paperfeed/1 line (with trailing newline), ordered by arXiv id."""
    last = ""
    while True:
        papers = session.scalars(
            select(Paper)
            .options(selectinload(Paper.entry))
            .where(Paper.arxiv_id > last)
            .order_by(Paper.arxiv_id)
            .limit(batch_size)
        ).all()
        if not papers:
            return
        for paper in papers:
            yield record_to_json(paper_to_record(paper)) + "\n"
        last = papers[-1].arxiv_id
        session.expunge_all()
