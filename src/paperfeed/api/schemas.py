"""Output models of the JSON API, shaped like the Hugging Face papers API.

Field names follow huggingface.co/api (camelCase, ``paper`` nested in daily items) so that
``huggingface_hub.HfApi(endpoint=...)`` and other existing clients can read an instance.
Fields we do not have (avatars, discussion ids, thumbnails, AI summaries) are left out, as HF
leaves out what a paper lacks; routes serialise with ``response_model_exclude_none``.
Timestamps are ISO-8601 UTC with milliseconds and ``Z``, as HF writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from paperfeed.service.fulltext_search import PassageHit
from paperfeed.service.views import PaperView


def hf_timestamp(value: datetime | None) -> str | None:
    """``2026-11-20T12:00:00.000Z``: the one timestamp format of the HF API."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class AuthorOut(BaseModel):
    name: str
    hidden: bool = False


class UserOut(BaseModel):
    """A submitter. We know only the username; HF sends it as both ``user`` and ``name``."""

    user: str
    name: str
    type: str = "user"

    @classmethod
    def from_username(cls, username: str | None) -> UserOut | None:
        return cls(user=username, name=username) if username else None


class PaperOut(BaseModel):
    """One paper: the body of ``GET /api/papers/{id}`` and the ``paper`` of a daily item."""

    id: str = Field(description="arXiv id without version, e.g. 2511.01234")
    authors: list[AuthorOut]
    publishedAt: str | None = Field(None, description="arXiv publication time (v1)")
    title: str
    summary: str = Field(description="the abstract")
    upvotes: int
    submittedOnDailyAt: str | None = Field(None, description="when it was put on the feed")
    submittedOnDailyBy: UserOut | None = None
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None

    @classmethod
    def from_view(cls, view: PaperView) -> PaperOut:
        return cls(
            id=view.arxiv_id,
            authors=[AuthorOut(name=name) for name in view.authors],
            publishedAt=hf_timestamp(view.published_at),
            title=view.title,
            summary=view.abstract,
            upvotes=view.upvotes,
            submittedOnDailyAt=hf_timestamp(view.submitted_at),
            submittedOnDailyBy=UserOut.from_username(view.submitted_by),
            githubRepo=view.github_repo,
            githubStars=view.github_stars,
            projectPage=view.project_page,
        )


class PassageOut(BaseModel):
    """The passage of a paper's full text that a search matched."""

    section: str = Field(description='its heading path, e.g. "2 Method › 2.1 Attention"')
    text: str = Field(description="the passage, Markdown with math as $…$")


class DailyPaperOut(BaseModel):
    """One item of ``GET /api/daily_papers`` and ``GET /api/papers/search``."""

    paper: PaperOut
    publishedAt: str | None = Field(
        None, description="when the paper was put on the daily feed (HF's name for it)"
    )
    title: str
    summary: str
    numComments: int
    submittedBy: UserOut | None = None
    fulltextMatch: PassageOut | None = Field(
        None,
        description="with fulltext=1, for a paper whose full text matched: the best passage "
        "and its section (paperfeed extension)",
    )

    @classmethod
    def from_view(cls, view: PaperView, passage: PassageHit | None = None) -> DailyPaperOut:
        return cls(
            fulltextMatch=PassageOut(section=passage.section, text=passage.text)
            if passage
            else None,
            paper=PaperOut.from_view(view),
            publishedAt=hf_timestamp(view.submitted_at),
            title=view.title,
            summary=view.abstract,
            numComments=view.num_comments,
            submittedBy=UserOut.from_username(view.submitted_by),
        )


class ErrorOut(BaseModel):
    """The one error shape of every JSON endpoint."""

    ok: bool = False
    error: str
    status: int
