"""Plain values handed to every surface (pages, JSON API, CLI, feeds): never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from paperfeed.links import github_url, web_url
from paperfeed.store.models import DailyEntry, Paper


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
        )
