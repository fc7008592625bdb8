"""arXiv OAI-PMH bulk harvests: ``ListRecords`` by date range and set, page by page.

Metadata format: ``arXiv`` (not ``arXivRaw``). ``arXiv`` gives authors as structured
``<author><keyname/><forenames/><suffix/></author>`` elements, while ``arXivRaw`` gives one
free-text string ("A, B and C") that cannot be split reliably (names with commas, "and" in
collaboration names). ``arXiv`` has ``<created>`` (the v1 date -> ``published_at``) and
``<updated>`` (the latest version's date -> ``updated_at``) but no version number, so records
carry ``version=None``: the upsert then never treats them as older than what we have, which
is right because OAI always serves the latest version's metadata. Dates are days; they are
stored as midnight UTC.

Each response page is parsed to an :class:`OaiPage` with the resumption token for the next
page; the pipeline commits a page together with that token so a harvest can resume.
``noRecordsMatch`` is an empty result, deleted records are skipped, any other OAI error or
an unreadable body raises :class:`~paperfeed.ingest.http.BadResponse`.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET  # noqa: S405 - see _parse_xml
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from paperfeed.errors import InvalidInput
from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.records import Failure, PaperRecord

logger = logging.getLogger(__name__)

METADATA_PREFIX = "arXiv"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"


@dataclass
class OaiPage:
    records: list[PaperRecord | Failure] = field(default_factory=list)
    token: str | None = None  # resumption token of the NEXT page; None on the last page
    complete_size: int | None = None  # completeListSize, when the server says
    deleted: int = 0


def _parse_xml(body: bytes, what: str) -> ET.Element:
    # Python's expat refuses external entities and (>= 2.4.1) entity expansion bombs.
    try:
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise BadResponse(f"{what} is not valid XML ({exc}); truncated response?") from None


def _text(parent: ET.Element, tag: str) -> str | None:
    node = parent.find(tag)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _day_start(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise InvalidInput(f"<{name}> {value[:20]!r} is not YYYY-MM-DD") from None


def _author(node: ET.Element) -> str:
    parts = [_text(node, f"{ARXIV}{t}") for t in ("forenames", "keyname", "suffix")]
    return " ".join(p for p in parts if p)


def record_from_metadata(meta: ET.Element) -> PaperRecord:
    """One ``<arXiv>`` metadata element -> a record (raise InvalidInput if unusable)."""
    authors_node = meta.find(f"{ARXIV}authors")
    authors = (
        [_author(a) for a in authors_node.findall(f"{ARXIV}author")]
        if authors_node is not None
        else []
    )
    return PaperRecord.build(
        arxiv_id=_text(meta, f"{ARXIV}id") or "",
        title=_text(meta, f"{ARXIV}title") or "",
        abstract=_text(meta, f"{ARXIV}abstract") or "",
        authors=authors,
        categories=(_text(meta, f"{ARXIV}categories") or "").split(),
        comments=_text(meta, f"{ARXIV}comments"),
        journal_ref=_text(meta, f"{ARXIV}journal-ref"),
        doi=_text(meta, f"{ARXIV}doi"),
        published_at=_day_start(_text(meta, f"{ARXIV}created"), "created"),
        updated_at=_day_start(_text(meta, f"{ARXIV}updated"), "updated"),
    )


def parse_list_records(body: bytes, what: str = "OAI-PMH response") -> OaiPage:
    """One ``ListRecords`` response page -> records, failures and the next token."""
    root = _parse_xml(body, what)
    if root.tag != f"{OAI}OAI-PMH":
        raise BadResponse(f"{what} is not an OAI-PMH document (root <{root.tag}>)")
    page = OaiPage()
    error = root.find(f"{OAI}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return page
        message = " ".join((error.text or "").split())
        raise BadResponse(f"{what}: OAI-PMH error {code}: {message or 'no message'}")
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise BadResponse(f"{what} has neither <ListRecords> nor <error>")
    for number, record in enumerate(listing.findall(f"{OAI}record"), 1):
        header = record.find(f"{OAI}header")
        identifier = (_text(header, f"{OAI}identifier") if header is not None else None) or ""
        key = identifier.removeprefix("oai:arXiv.org:") or f"record {number}"
        if header is not None and header.get("status") == "deleted":
            page.deleted += 1
            continue
        meta = record.find(f"{OAI}metadata/{ARXIV}arXiv")
        if meta is None:
            page.records.append(Failure(key, "no <arXiv> metadata in the record"))
            continue
        try:
            page.records.append(record_from_metadata(meta))
        except InvalidInput as exc:
            page.records.append(Failure(key, exc.message))
    token = listing.find(f"{OAI}resumptionToken")
    if token is not None:
        page.token = (token.text or "").strip() or None
        size = token.get("completeListSize")
        page.complete_size = int(size) if size and size.isdigit() else None
    return page


def list_records_params(
    *,
    from_: date | None = None,
    until: date | None = None,
    set_: str | None = None,
    token: str | None = None,
) -> dict[str, str]:
    """Query of one ListRecords request: a token excludes every other argument (OAI-PMH 2.0)."""
    if token:
        return {"verb": "ListRecords", "resumptionToken": token}
    params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
    if from_:
        params["from"] = from_.isoformat()
    if until:
        params["until"] = until.isoformat()
    if set_:
        params["set"] = set_
    return params


def harvest(
    fetcher: Fetcher,
    base_url: str,
    *,
    from_: date | None = None,
    until: date | None = None,
    set_: str | None = None,
    token: str | None = None,
) -> Iterator[OaiPage]:
    """Yield pages from ``token`` (or the start) until the server gives no further token."""
    while True:
        params = list_records_params(from_=from_, until=until, set_=set_, token=token)
        body = fetcher.get(base_url, params=params)
        page = parse_list_records(body, what=f"OAI-PMH page from {base_url}")
        logger.info(
            "OAI page: %d records, %d deleted, next token %r",
            len(page.records),
            page.deleted,
            page.token,
        )
        yield page
        if not page.token:
            return
        token = page.token
