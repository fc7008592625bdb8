"""Plain values handed to every surface (pages, JSON API, CLI, feeds): never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from types import SimpleNamespace
from typing import Any

from sqlalchemy import outerjoin

from paperfeed.links import github_url, web_url
from paperfeed.store.html_models import PaperHtmlRow
from paperfeed.store.models import DailyEntry, Organization, Paper
from paperfeed.text.paper_html import PaperHtml, render, verified


@dataclass(frozen=True)
class OrganizationView:
    """A Hugging Face organization: handle (``/organizations/{name}``), full name, avatar."""

    name: str
    fullname: str | None = None
    avatar: str | None = None
    hf_id: str | None = None

    @classmethod
    def from_row(cls, row: Organization | Any | None) -> OrganizationView | None:
        if row is None:
            return None
        return cls(row.name, row.fullname, web_url(row.avatar), row.hf_id)


@dataclass(frozen=True)
class UserView:
    """A submitter as Hugging Face describes them (``submittedBy``); only ``username`` is
    known for papers submitted here or imported from sources that name no more."""

    username: str
    fullname: str | None = None
    avatar_url: str | None = None
    hf_id: str | None = None
    user_type: str = "user"
    is_pro: bool | None = None
    is_hf: bool | None = None
    is_hf_admin: bool | None = None
    is_mod: bool | None = None
    follower_count: int | None = None

    @classmethod
    def from_entry(cls, entry: DailyEntry | None) -> UserView | None:
        if entry is None or not entry.submitted_by:
            return None
        raw = entry.submitter if isinstance(entry.submitter, dict) else {}

        def flag(key: str) -> bool | None:
            value = raw.get(key)
            return value if isinstance(value, bool) else None

        count = raw.get("followerCount")
        return cls(
            username=entry.submitted_by,
            fullname=_text(raw.get("fullname")),
            avatar_url=web_url(_text(raw.get("avatarUrl"))),
            hf_id=_text(raw.get("_id")),
            user_type=_text(raw.get("type")) or "user",
            is_pro=flag("isPro"),
            is_hf=flag("isHf"),
            is_hf_admin=flag("isHfAdmin"),
            is_mod=flag("isMod"),
            follower_count=count
            if isinstance(count, int) and not isinstance(count, bool)
            else None,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class PaperView:
    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    comments: str | None
    journal_ref: str | None
    doi: str | None
    published_at: datetime | None
    updated_at: datetime | None
    github_repo: str | None
    github_stars: int | None
    project_page: str | None
    upvotes: int
    num_comments: int
    feed_day: date | None
    submitted_at: datetime | None
    submitted_by: str | None
    featured: bool = False  # an admin featured it on its feed day
    # Hugging Face's fields (docs/hf-fields.md); empty for papers from other sources.
    ai_summary: str | None = None
    ai_summary_model: str | None = None
    ai_keywords: tuple[str, ...] = ()  # Hugging Face's own
    local_keywords: tuple[str, ...] = ()  # computed here (embed/keywords.py) when HF gave none
    organization: OrganizationView | None = None
    thumbnail: str | None = None
    media_urls: tuple[str, ...] = ()
    submitted_by_user: UserView | None = None
    discussion_id: str | None = None
    github_repo_added_by: str | None = None
    # The paper_html row as read (version, source hash, title, excerpt, paragraphs), or None;
    # read :attr:`html`, which checks it against ``title`` and ``abstract``.
    stored_html: tuple | None = field(default=None, compare=False, repr=False)

    @cached_property
    def html(self) -> PaperHtml:
        """Title and abstract as the pages show them: as stored when written if made from this
        very text by this renderer, else rendered now (through the text caches). Worked out on
        first use: surfaces that show no HTML (the API, feeds) never pay for it."""
        if self.stored_html is not None:
            version, hashed, *parts = self.stored_html
            if (made := verified(self.title, self.abstract, version, hashed, parts)) is not None:
                return made
        return render(self.title, self.abstract)

    @property
    def keywords(self) -> tuple[str, ...]:
        """The keywords to show: Hugging Face's, else the ones computed here."""
        return self.ai_keywords or self.local_keywords

    @property
    def keywords_source(self) -> str | None:
        """Where :attr:`keywords` come from: ``huggingface``, ``local`` or None."""
        if self.ai_keywords:
            return "huggingface"
        return "local" if self.local_keywords else None

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @classmethod
    def from_row(cls, paper: Paper, entry: DailyEntry | None) -> PaperView:
        """The view of ORM rows."""
        return cls.from_parts(paper, entry, paper.organization)

    @classmethod
    def from_columns(cls, row: Any) -> PaperView:
        """The view of a Core row that starts with :data:`VIEW_COLUMNS` (no ORM objects made,
        several times cheaper per paper than :meth:`from_row`'s entity loads). The columns are
        read by position into plain namespaces: a Row's attribute lookup costs ~0.6 us, and a
        view reads ~40 (issue 16: 50 search cards' views, 5.3 ms)."""
        values = tuple(row)
        paper = _named(_PAPER_FIELDS, values[:_ENTRY_AT])
        entry_values = values[_ENTRY_AT:_ORGANIZATION_AT]  # the entry's id first
        entry = _named(_ENTRY_FIELDS, entry_values) if entry_values[0] is not None else None
        org_values = values[_ORGANIZATION_AT:_HTML_AT]  # the organization's name first
        organization = (
            _named(_ORGANIZATION_FIELDS, org_values) if org_values[0] is not None else None
        )
        html = values[_HTML_AT:_END]  # the version first (NULL: no row)
        return cls.from_parts(paper, entry, organization, html if html[0] is not None else None)

    @classmethod
    def from_parts(cls, paper: Any, entry: Any, organization: Any, html: Any = None) -> PaperView:
        """The view of anything with a paper's, its daily entry's and its organization's
        attributes (ORM rows, or :meth:`from_columns`'s), and its paper_html row's values
        (``html``, see ``stored_html``; without them the text is rendered when shown)."""
        return cls(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            title=paper.title,
            abstract=paper.abstract,
            authors=tuple(paper.authors or ()),
            categories=tuple(paper.categories or ()),
            comments=paper.comments,
            journal_ref=paper.journal_ref,
            doi=paper.doi,
            published_at=paper.published_at,
            updated_at=paper.updated_at,
            # Rows imported before links were checked at import may hold javascript: URLs.
            github_repo=github_url(paper.github_repo),
            github_stars=paper.github_stars,
            project_page=web_url(paper.project_page),
            upvotes=paper.upvotes,
            # What an import source reports plus the comments written here that readers see.
            num_comments=paper.num_comments + (paper.local_comments or 0),
            feed_day=entry.day if entry else None,
            submitted_at=entry.submitted_at if entry else None,
            submitted_by=entry.submitted_by if entry else None,
            featured=bool(entry.featured) if entry else False,
            ai_summary=paper.ai_summary,
            ai_summary_model=paper.ai_summary_model,
            ai_keywords=tuple(paper.ai_keywords or ()),
            local_keywords=tuple(paper.local_keywords or ()),
            organization=OrganizationView.from_row(organization),
            thumbnail=web_url(paper.thumbnail),
            media_urls=tuple(u for u in (web_url(m) for m in paper.media_urls or ()) if u),
            submitted_by_user=UserView.from_entry(entry),
            discussion_id=paper.discussion_id,
            github_repo_added_by=paper.github_repo_added_by,
            stored_html=html,
        )


_PAPER_FIELDS = (
    "arxiv_id", "version", "title", "abstract", "authors", "categories", "comments",
    "journal_ref", "doi", "published_at", "updated_at", "github_repo", "github_stars",
    "project_page", "upvotes", "num_comments", "local_comments", "ai_summary",
    "ai_summary_model", "ai_keywords", "local_keywords", "thumbnail", "media_urls",
    "discussion_id", "github_repo_added_by",
)  # fmt: skip
_ENTRY_FIELDS = ("id", "day", "submitted_at", "submitted_by", "submitter", "featured")
_ORGANIZATION_FIELDS = ("name", "fullname", "avatar", "hf_id")
_HTML_FIELDS = ("version", "source_hash", "title_html", "excerpt_html", "abstract_html")


def _named(names: tuple[str, ...], values: tuple) -> SimpleNamespace:
    return SimpleNamespace(**dict(zip(names, values, strict=True)))


_ENTRY_AT = len(_PAPER_FIELDS)  # where the entry's columns start in VIEW_COLUMNS
_ORGANIZATION_AT = _ENTRY_AT + len(_ENTRY_FIELDS)
_HTML_AT = _ORGANIZATION_AT + len(_ORGANIZATION_FIELDS)
_END = _HTML_AT + len(_HTML_FIELDS)

VIEW_COLUMNS = (
    *(getattr(Paper, name) for name in _PAPER_FIELDS),
    *(getattr(DailyEntry, name).label(f"entry_{name}") for name in _ENTRY_FIELDS),
    *(getattr(Organization, name).label(f"org_{name}") for name in _ORGANIZATION_FIELDS),
    *(getattr(PaperHtmlRow, name).label(f"html_{name}") for name in _HTML_FIELDS),
)  # what :meth:`PaperView.from_columns` reads, first in a select from :func:`view_source`


def view_source() -> Any:
    """Papers joined to their daily entry, organization and stored HTML, to select
    VIEW_COLUMNS from."""
    papers = outerjoin(Paper, DailyEntry, DailyEntry.paper_id == Paper.id)
    papers = papers.outerjoin(Organization, Organization.id == Paper.organization_id)
    return papers.outerjoin(PaperHtmlRow, PaperHtmlRow.paper_id == Paper.id)
