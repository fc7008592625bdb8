"""Normalised paper records (what every source's parser yields) and ingest reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from paperfeed.arxiv_ids import match_arxiv_id
from paperfeed.errors import InvalidInput
from paperfeed.ingest.hf_fields import check_hf_fields
from paperfeed.links import github_url, web_url

_SPACES = re.compile(r"[ \t\r\f\v]+")
_SOFT_BREAK = re.compile(r"(?<!\n)\n(?!\n)")  # arXiv hard-wraps lines; a blank line is a paragraph
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")  # cs.CL, hep-th, q-bio.NC
_MAX_TEXT = 100_000
_MAX_SHORT = 512


def clean_line(text: str | None) -> str:
    """One line of text: newlines and runs of spaces collapsed (titles, names)."""
    return " ".join((text or "").split())


def clean_paragraphs(text: str | None) -> str:
    """Abstract text: hard wraps joined, paragraph breaks kept, spaces collapsed."""
    text = (text or "").replace("\r\n", "\n").strip()
    text = re.sub(r"\n[ \t]+", "\n", text)
    text = _SOFT_BREAK.sub(" ", text)
    text = re.sub(r"\n{2,}", "\n\n", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


@dataclass(frozen=True)
class PaperRecord:
    """One paper as a source describes it. ``None`` means "this source does not say"."""

    arxiv_id: str
    title: str
    abstract: str = ""
    version: int | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    upvotes: int | None = None
    num_comments: int | None = None
    feed_day: date | None = None  # the day shown on the daily feed
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    # Hugging Face's own fields (ingest/hf_fields.py, docs/hf-fields.md).
    ai_summary: str | None = None
    ai_summary_model: str | None = None
    ai_keywords: tuple[str, ...] | None = None
    thumbnail: str | None = None
    media_urls: tuple[str, ...] | None = None
    discussion_id: str | None = None
    github_repo_added_by: str | None = None
    organization: dict | None = None  # {"name", "fullname", "avatar", "hf_id"}
    submitter: dict | None = None  # the submitting user as HF describes them
    # "<field>: <why>" for each field of the source dropped because it failed its check.
    skipped: tuple[str, ...] = ()

    @classmethod
    def build(cls, **fields) -> PaperRecord:
        """Validate and normalise raw fields; raise InvalidInput naming the bad field."""
        raw_id = str(fields.pop("arxiv_id", "") or "")
        found = match_arxiv_id(raw_id)
        if found is None:
            raise InvalidInput(f"invalid arXiv id {raw_id[:80]!r}")
        arxiv_id, id_version = found
        version = _version(arxiv_id, fields.pop("version", None), id_version)
        title = clean_line(fields.pop("title", ""))
        if not title:
            raise InvalidInput(f"{arxiv_id}: missing title")
        abstract = clean_paragraphs(fields.pop("abstract", ""))
        authors = tuple(a for a in (clean_line(x) for x in fields.pop("authors", ()) or ()) if a)
        categories = _categories(fields.pop("categories", ()))
        _check_text_lengths(arxiv_id, title, abstract, authors)
        _clean_short_fields(arxiv_id, fields)
        # A link that is not an http(s) URL (javascript:, data:, markup) is dropped, not the
        # paper: it is the source's mistake or an attack, and the rest of the record is good.
        skipped = list(fields.pop("skipped", ()) or ())
        for key, check in (("github_repo", github_url), ("project_page", web_url)):
            given = fields.get(key)
            fields[key] = check(given)
            if given and fields[key] is None:
                skipped.append(f"{key}: not an http(s) URL")
        skipped.extend(check_hf_fields(fields))
        _check_counts_and_times(arxiv_id, fields)
        return cls(
            arxiv_id=arxiv_id,
            version=version,
            title=title,
            abstract=abstract,
            authors=authors,
            categories=categories,
            skipped=tuple(skipped),
            **fields,
        )


def _version(arxiv_id: str, version: object, id_version: int | None) -> int | None:
    """The explicit version if given (an integer or its digits), else the id's own."""
    integral = isinstance(version, int) and not isinstance(version, bool)
    if version is not None and not integral and not str(version).isdigit():
        raise InvalidInput(f"{arxiv_id}: version must be a positive integer")
    version = int(version) if version is not None else id_version
    if version is not None and version < 1:
        raise InvalidInput(f"invalid version {version} for {arxiv_id}")
    return version


def _categories(raw) -> tuple[str, ...]:
    # Some listings mix MSC/ACM classes ("68T45 (Primary)", "F.1.2") into the arXiv
    # categories; those are not categories, so they are dropped rather than failing the paper.
    return tuple(dict.fromkeys(c for c in (clean_line(x) for x in raw or ()) if _CATEGORY.match(c)))


def _check_text_lengths(arxiv_id: str, title: str, abstract: str, authors: tuple[str, ...]) -> None:
    for name, value in (("title", title), ("abstract", abstract)):
        if len(value) > _MAX_TEXT:
            raise InvalidInput(f"{arxiv_id}: {name} longer than {_MAX_TEXT} characters")
    if any(len(a) > _MAX_SHORT for a in authors):
        raise InvalidInput(f"{arxiv_id}: an author name is longer than {_MAX_SHORT} characters")


def _clean_short_fields(arxiv_id: str, fields: dict) -> None:
    """The optional one-line fields, cleaned in ``fields`` (blank -> None) within their limits."""
    for key in ("comments", "journal_ref", "doi", "github_repo", "project_page", "submitted_by"):
        value = fields.get(key)
        if value is not None:
            value = clean_line(str(value)) or None
            limit = {"doi": 255, "submitted_by": 128}.get(key, _MAX_SHORT)
            if key in ("comments", "journal_ref"):
                limit = _MAX_TEXT
            if value is not None and len(value) > limit:
                raise InvalidInput(f"{arxiv_id}: {key} longer than {limit} characters")
            fields[key] = value


def _check_counts_and_times(arxiv_id: str, fields: dict) -> None:
    for key in ("upvotes", "num_comments", "github_stars"):
        value = fields.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InvalidInput(f"{arxiv_id}: {key} must be a non-negative integer")
    for key in ("published_at", "updated_at", "submitted_at"):
        value = fields.get(key)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise InvalidInput(f"{arxiv_id}: {key} must be a timezone-aware datetime")


@dataclass(frozen=True)
class Failure:
    key: str  # an arXiv id, a line number, ... whatever locates the bad record
    reason: str


@dataclass
class IngestReport:
    """What a run did. ``failed`` lists every skipped record with its reason."""

    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    added_ids: list[str] = field(default_factory=list)
    # Fields dropped from records that were still written (a bad URL, a malformed keyword
    # list): key = the arXiv id, reason = "<field>: <why>".
    skipped_fields: list[Failure] = field(default_factory=list)

    def fail(self, key: str, reason: str) -> None:
        self.failed.append(Failure(key, reason))

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed.extend(other.failed)
        self.added_ids.extend(other.added_ids)
        self.skipped_fields.extend(other.skipped_fields)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.failed)

    def summary(self) -> str:
        text = (
            f"{self.source}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )
        if self.skipped_fields:
            text += f", {len(self.skipped_fields)} bad fields skipped"
        return text

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"key": f.key, "reason": f.reason} for f in self.failed],
            "skipped_fields": [{"key": f.key, "reason": f.reason} for f in self.skipped_fields],
        }
