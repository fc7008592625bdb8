"""What the MCP tools return: compact, typed records an agent reads (and a client validates
against each tool's output schema), built from the service layer's plain views.

Names are snake_case and self-explanatory rather than the HF API's camelCase: an agent reads
them cold. Every URL is absolute, from the configured ``base_url`` (``links.site_url``), or an
http(s) link the views already checked. Lists carry abstracts cut at :data:`LIST_ABSTRACT`
characters (the ``paper`` tool gives the whole one) so that a page of twenty results stays a
few thousand tokens.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from paperfeed.library.collections import CollectionView
from paperfeed.library.items import ItemView
from paperfeed.links import site_url
from paperfeed.service.views import PaperView

LIST_ABSTRACT = 600  # characters of an abstract in a list; the paper tool has all of it


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


class Paper(BaseModel):
    id: str = Field(description="arXiv id without version, e.g. 2406.12345")
    title: str
    authors: list[str]
    abstract: str = Field(description="the abstract (cut in lists; whole from the paper tool)")
    published: str | None = Field(description="arXiv publication day (v1), YYYY-MM-DD")
    categories: list[str] = Field(description="arXiv categories, primary first")
    upvotes: int
    comments: int = Field(description="comments on this site and its import source")
    feed_day: str | None = Field(description="the day it was on the daily feed, if it was")
    url: str = Field(description="its page on this site")
    markdown_url: str = Field(description="the whole paper as Markdown on this site")
    arxiv_url: str
    pdf_url: str
    github: str | None = None
    github_stars: int | None = None
    project_page: str | None = None

    @classmethod
    def of(cls, view: PaperView, base_url: str, *, abstract_chars: int | None = None) -> Paper:
        return cls(
            id=view.arxiv_id,
            title=view.title,
            authors=list(view.authors),
            abstract=_cut(view.abstract, abstract_chars),
            published=_day(view.published_at),
            categories=list(view.categories),
            upvotes=view.upvotes,
            comments=view.num_comments,
            feed_day=view.feed_day.isoformat() if view.feed_day else None,
            url=site_url(base_url, f"/papers/{view.arxiv_id}"),
            markdown_url=site_url(base_url, f"/papers/{view.arxiv_id}.md"),
            arxiv_url=view.abs_url,
            pdf_url=view.pdf_url,
            github=view.github_repo,
            github_stars=view.github_stars,
            project_page=view.project_page,
        )

    @classmethod
    def listed(cls, views: list[PaperView], base_url: str) -> list[Paper]:
        return [cls.of(v, base_url, abstract_chars=LIST_ABSTRACT) for v in views]


class PaperDetail(Paper):
    comments_note: str | None = Field(None, description="the authors' arXiv comment field")
    journal_ref: str | None = None
    doi: str | None = None
    version: int = Field(description="the latest arXiv version this site has")
    ai_summary: str | None = Field(None, description="Hugging Face's AI-written summary")
    ai_summary_model: str | None = None
    keywords: list[str] = Field(description="Hugging Face's keywords, else computed here")
    keywords_source: str | None = Field(None, description="huggingface, local or null")
    organization: str | None = Field(None, description="the Hugging Face organization's name")

    @classmethod
    def of_view(cls, view: PaperView, base_url: str) -> PaperDetail:
        base = Paper.of(view, base_url).model_dump()
        org = view.organization
        return cls(
            **base,
            comments_note=view.comments,
            journal_ref=view.journal_ref,
            doi=view.doi,
            version=view.version,
            ai_summary=view.ai_summary,
            ai_summary_model=view.ai_summary_model,
            keywords=list(view.keywords),
            keywords_source=view.keywords_source,
            organization=(org.fullname or org.name) if org else None,
        )


class Passage(BaseModel):
    section: str = Field(description="the section of the full text that matched")
    text: str = Field(description="the passage that matched")


class SearchPaper(Paper):
    fulltext_match: Passage | None = Field(
        None, description="with fulltext: the best passage of the paper's full text"
    )

    @classmethod
    def found(cls, views: list[PaperView], passages: dict, base_url: str) -> list[SearchPaper]:
        """Search results, each with its best full-text passage (``PassageHit``) if any."""
        papers = []
        for paper in Paper.listed(views, base_url):
            hit = passages.get(paper.id)
            match = Passage(section=hit.section, text=hit.text) if hit else None
            papers.append(cls(**paper.model_dump(), fulltext_match=match))
        return papers


class SearchOut(BaseModel):
    query: str
    mode: str = Field(description="the mode that ranked these results")
    notice: str | None = Field(None, description="why the mode differs from the one asked for")
    total: int = Field(description="matches in all; page on with offset")
    offset: int
    papers: list[SearchPaper]


class DailyOut(BaseModel):
    period: str = Field(description='what the page shows, e.g. "Nov 20" or "Week 47, 2026"')
    start: str = Field(description="first day, YYYY-MM-DD")
    end: str = Field(description="last day, YYYY-MM-DD (inclusive)")
    sort: str
    total: int = Field(description="papers in the period; page on with offset")
    offset: int
    previous: str | None = Field(description="the previous period with papers (for date=...)")
    next: str | None = Field(description="the next period with papers, if any")
    papers: list[Paper]


class TrendingOut(BaseModel):
    as_of: str = Field(description="when trending was judged (ISO 8601)")
    idle: bool = Field(description="true: nothing happened lately, judged at the last activity")
    total: int
    offset: int
    papers: list[Paper]


class SimilarOut(BaseModel):
    id: str
    notice: str | None = Field(None, description="why the list is empty, when it is")
    papers: list[Paper]


class ForYouPaper(BaseModel):
    paper: Paper
    score: float = Field(description="mix * personal + (1 - mix) * community")
    reason: str | None = Field(None, description="why it is on the list, in a few words")


class ForYouOut(BaseModel):
    days: int
    mix: float = Field(description="1.0 only personal relevance, 0.0 only the community")
    cold_start: bool = Field(description="nothing to rank by yet: the list is trending")
    total: int
    offset: int
    papers: list[ForYouPaper]


class FollowingPaper(BaseModel):
    paper: Paper
    because: list[str] = Field(description="the follows that brought it")


class FollowingOut(BaseModel):
    days: int
    first_day: str | None
    last_day: str | None
    follows: int = Field(description="how many things the member follows")
    total: int
    offset: int
    papers: list[FollowingPaper]


class CollectionOut(BaseModel):
    id: int
    name: str
    is_default: bool = Field(description='the "Saved" collection a save goes to by default')
    public: bool
    papers: int
    url: str

    @classmethod
    def of(cls, view: CollectionView, base_url: str) -> CollectionOut:
        return cls(
            id=view.id,
            name=view.name,
            is_default=view.is_default,
            public=view.public,
            papers=view.items,
            url=site_url(base_url, view.share_path),
        )


class LibraryPaper(BaseModel):
    paper: Paper
    added: str = Field(description="when it was saved (ISO 8601)")
    tags: list[str]
    note: str | None = Field(None, description="the member's note (in one collection's list)")
    collections: list[str] = Field(description="the collections holding it")

    @classmethod
    def of(cls, item: ItemView, base_url: str) -> LibraryPaper:
        return cls(
            paper=Paper.of(item.paper, base_url, abstract_chars=LIST_ABSTRACT),
            added=item.added_at.isoformat(timespec="seconds"),
            tags=list(item.tags),
            note=item.note or None,
            collections=[name for _id, name in item.collections],
        )


class LibraryOut(BaseModel):
    collections: list[CollectionOut]
    collection_id: int | None = Field(description="the collection listed; null: whole library")
    total: int
    offset: int
    papers: list[LibraryPaper]


class SaveOut(BaseModel):
    id: str
    saved: bool
    collection_id: int | None
    changed: bool = Field(description="false when it was there already")
