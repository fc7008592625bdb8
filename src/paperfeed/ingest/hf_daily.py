"""Hugging Face Daily Papers: the ``/api/daily_papers`` JSON and the scraped 2024 dataset.

Accepted shapes, detected per item:

* an API item ``{"paper": {...}, "publishedAt", "submittedBy", "numComments", ...}`` as
  returned (in a JSON array) by ``{hf_base_url}/api/daily_papers?date=YYYY-MM-DD``, or one
  per line as in ``hf-daily-papers-api/papers.jsonl.gz``;
* a scraped card ``{"title", "url", "authors": [names], "abstract", "upvotes",
  "_arxiv_id", "_feed_date"}`` as in ``hf-daily-papers-scraped-2024``.

The feed day is the day the paper was shown on the daily page. In order of trust: the day
that was asked for (a live fetch, or the dataset's ``_feed_date``), then the UTC date of
``paper.submittedOnDailyAt``, then of the top-level ``publishedAt``. The last is often the
evening before in UTC (HF posts ~23:00 UTC for the next day), which is why it comes last.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from paperfeed.arxiv_ids import match_arxiv_id
from paperfeed.errors import InvalidInput
from paperfeed.ingest.hf_fields import raw_hf_fields
from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.records import Failure, PaperRecord

logger = logging.getLogger(__name__)


def _datetime(value: object, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} {str(value)[:40]!r} is not an ISO-8601 datetime") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{name} {str(value)[:40]!r} has no timezone")
    return parsed


def _day(value: object) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"feed date {str(value)[:20]!r} is not YYYY-MM-DD") from None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _user(value: object) -> str | None:
    if isinstance(value, dict):
        return value.get("user") or value.get("name") or None
    return None


def record_from_item(item: object, feed_day: date | None = None) -> PaperRecord:
    """One API item or scraped card -> a record; raise InvalidInput when it is unusable."""
    if not isinstance(item, dict):
        raise InvalidInput("not a JSON object")
    if isinstance(item.get("paper"), dict):
        return _from_api_item(item, feed_day)
    if "_arxiv_id" in item or "url" in item:
        return _from_scraped(item, feed_day)
    raise InvalidInput("neither a daily_papers API item nor a scraped card (no 'paper' or 'url')")


def _from_api_item(item: dict, feed_day: date | None) -> PaperRecord:
    paper = item["paper"]
    authors = [
        a.get("name") for a in paper.get("authors") or () if isinstance(a, dict) and a.get("name")
    ]
    submitted_at = _datetime(paper.get("submittedOnDailyAt"), "submittedOnDailyAt")
    entry_at = _datetime(item.get("publishedAt"), "publishedAt")
    day = feed_day or _day(item.get("_feed_date"))
    if day is None:
        when = submitted_at or entry_at
        day = when.date() if when else None
    return PaperRecord.build(
        arxiv_id=paper.get("id") or "",
        title=paper.get("title") or item.get("title") or "",
        abstract=paper.get("summary") or item.get("summary") or "",
        authors=authors,
        published_at=_datetime(paper.get("publishedAt"), "paper.publishedAt"),
        upvotes=_int(paper.get("upvotes")),
        num_comments=_int(item.get("numComments")),
        github_repo=paper.get("githubRepo") or None,
        github_stars=_int(paper.get("githubStars")),
        project_page=paper.get("projectPage") or None,
        feed_day=day,
        submitted_at=submitted_at or entry_at,
        submitted_by=_user(paper.get("submittedOnDailyBy")) or _user(item.get("submittedBy")),
        **raw_hf_fields(item),
    )


def _from_scraped(item: dict, feed_day: date | None) -> PaperRecord:
    raw_id = item.get("_arxiv_id") or item.get("url") or ""
    authors = [a for a in item.get("authors") or () if isinstance(a, str)]
    return PaperRecord.build(
        arxiv_id=raw_id,
        title=item.get("title") or "",
        abstract=item.get("abstract") or "",
        authors=authors,
        upvotes=_int(item.get("upvotes")),
        feed_day=feed_day or _day(item.get("_feed_date")),
    )


def _key(item: object, fallback: str) -> str:
    if isinstance(item, dict):
        paper = item.get("paper")
        raw = (paper.get("id") if isinstance(paper, dict) else None) or item.get("_arxiv_id")
        if raw:
            found = match_arxiv_id(str(raw))
            return found[0] if found else str(raw)[:40]
    return fallback


def parse_items(
    items: Iterable[object], feed_day: date | None = None, *, label: str = "item"
) -> Iterator[PaperRecord | Failure]:
    for number, item in enumerate(items, 1):
        yield _parse_one(item, feed_day, f"{label} {number}")


def _parse_one(item: object, feed_day: date | None, fallback_key: str) -> PaperRecord | Failure:
    try:
        return record_from_item(item, feed_day)
    except InvalidInput as exc:
        return Failure(_key(item, fallback_key), exc.message)


def parse_json(body: bytes, feed_day: date | None = None, *, what: str = "response") -> list:
    """A JSON array of items (or the ``{"data": [...]}`` wrapper) -> records and failures."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadResponse(f"{what} is not valid JSON ({_why(exc)})") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise BadResponse(f"{what} is not a JSON array of daily papers")
    return list(parse_items(data, feed_day))


def parse_lines(lines: Iterable[str]) -> Iterator[PaperRecord | Failure]:
    """JSON Lines of API items or scraped cards; a bad line is a Failure, never an abort."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(f"line {number}", f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        yield _parse_one(item, None, f"line {number}")


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}; truncated?"
    return str(exc)


def days(start: date, end: date) -> list[date]:
    if end < start:
        raise InvalidInput(f"--until {end} is before --from {start}")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def fetch_day(fetcher: Fetcher, base_url: str, day: date) -> list[PaperRecord | Failure]:
    """The daily papers of one day from a live HF-compatible API."""
    url = f"{base_url.rstrip('/')}/api/daily_papers"
    body = fetcher.get(url, params={"date": day.isoformat()})
    return parse_json(body, feed_day=day, what=f"{url}?date={day}")
