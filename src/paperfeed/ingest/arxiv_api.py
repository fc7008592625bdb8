"""arXiv Atom API: fetch papers by id (submissions, refreshes), ``id_list`` in batches.

An entry's ``<id>`` is the abs URL with the version (``.../abs/2401.00001v2``); ``published``
is v1's time and ``updated`` this version's; categories come primary first
(``arxiv:primary_category``, then every ``<category>``). arXiv answers an id it cannot parse
with an entry whose ``<id>`` is ``http://arxiv.org/api/errors#...`` and an id it does not know
either with no entry or with an empty one (no title): both are reported as failures with a
reason, never silently dropped.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET  # noqa: S405 - expat refuses external entities
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from paperfeed.arxiv_ids import match_arxiv_id, parse_arxiv_id
from paperfeed.errors import InvalidInput
from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.records import Failure, PaperRecord

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
BATCH_SIZE = 100
NOT_FOUND = "arXiv has no paper with this id"


def _text(parent: ET.Element, tag: str) -> str | None:
    node = parent.find(tag)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"<{name}> {value[:30]!r} is not an ISO-8601 datetime") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"<{name}> {value[:30]!r} has no timezone")
    return parsed


def record_from_entry(entry: ET.Element) -> PaperRecord:
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    return PaperRecord.build(
        arxiv_id=_text(entry, f"{ATOM}id") or "",
        title=_text(entry, f"{ATOM}title") or "",
        abstract=_text(entry, f"{ATOM}summary") or "",
        authors=[_text(a, f"{ATOM}name") or "" for a in entry.findall(f"{ATOM}author")],
        categories=categories,
        comments=_text(entry, f"{ARXIV}comment"),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        doi=_text(entry, f"{ARXIV}doi"),
        published_at=_when(_text(entry, f"{ATOM}published"), "published"),
        updated_at=_when(_text(entry, f"{ATOM}updated"), "updated"),
    )


def parse_feed(body: bytes, what: str = "arXiv API response") -> list[PaperRecord | Failure]:
    """An Atom feed -> one record or failure per entry (error entries become failures)."""
    try:
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise BadResponse(f"{what} is not valid XML ({exc}); truncated response?") from None
    if root.tag != f"{ATOM}feed":
        raise BadResponse(f"{what} is not an Atom feed (root <{root.tag}>)")
    results: list[PaperRecord | Failure] = []
    for number, entry in enumerate(root.findall(f"{ATOM}entry"), 1):
        entry_id = _text(entry, f"{ATOM}id") or ""
        if "/api/errors" in entry_id:
            reason = _text(entry, f"{ATOM}summary") or "arXiv reported an error"
            key = entry_id.rsplit("_for_", 1)[-1] if "_for_" in entry_id else f"entry {number}"
            results.append(Failure(key, f"arXiv: {reason}"))
            continue
        found = match_arxiv_id(entry_id)
        key = found[0] if found else f"entry {number}"
        if not _text(entry, f"{ATOM}title"):
            results.append(Failure(key, NOT_FOUND))
            continue
        try:
            results.append(record_from_entry(entry))
        except InvalidInput as exc:
            results.append(Failure(key, exc.message))
    return results


def normalise_ids(ids: Iterable[str]) -> list[str]:
    """``id`` or ``idvN`` for each input, deduplicated; raise InvalidInput on the first bad one."""
    wanted: dict[str, None] = {}
    for raw in ids:
        arxiv_id, version = parse_arxiv_id(raw)
        wanted[f"{arxiv_id}v{version}" if version else arxiv_id] = None
    return list(wanted)


def fetch_by_ids(
    fetcher: Fetcher, api_url: str, ids: Sequence[str], batch_size: int = BATCH_SIZE
) -> Iterator[list[PaperRecord | Failure]]:
    """One list of records per request; every requested id not returned is a Failure."""
    wanted = normalise_ids(ids)
    for start in range(0, len(wanted), batch_size):
        batch = wanted[start : start + batch_size]
        body = fetcher.get(
            api_url,
            params={"id_list": ",".join(batch), "max_results": str(len(batch))},
        )
        results = parse_feed(body, what=f"arXiv API response for {len(batch)} id(s)")
        seen = set()
        for item in results:
            if isinstance(item, PaperRecord):
                seen.add(item.arxiv_id)
            else:
                seen.add(item.key)
        for requested in batch:
            bare, _ = parse_arxiv_id(requested)
            if bare not in seen and requested not in seen:
                results.append(Failure(requested, NOT_FOUND))
        yield results
