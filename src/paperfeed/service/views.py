"""Plain values handed to every surface (pages, JSON API, CLI, feeds): never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from paperfeed.links import github_url, web_url
from paperfeed.store.models import DailyEntry, Organization, Paper


@dataclass(frozen=True)
class OrganizationView:
    """A Hugging Face organization: handle (``/organizations/{name}``), full name, avatar."""

    name: str
    fullname: str | None = None
    avatar: str | None = None
    hf_id: str | None = None

    @classmethod
    def from_row(cls, row: Organization | None) -> OrganizationView | None:
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
            organization=OrganizationView.from_row(paper.organization),
            thumbnail=web_url(paper.thumbnail),
            media_urls=tuple(u for u in (web_url(m) for m in paper.media_urls or ()) if u),
            submitted_by_user=UserView.from_entry(entry),
            discussion_id=paper.discussion_id,
            github_repo_added_by=paper.github_repo_added_by,
        )
