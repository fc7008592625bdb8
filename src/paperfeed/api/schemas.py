"""Output models of the JSON API, shaped like the Hugging Face papers API.

Field names follow huggingface.co/api (camelCase, ``paper`` nested in daily items) so that
``huggingface_hub.HfApi(endpoint=...)`` and other existing clients can read an instance.
Hugging Face's own fields (AI summary and keywords, organization, thumbnail, media, the
submitter as a user object, discussion id) are served where HF puts them, and the ones
``huggingface_hub.PaperInfo`` reads from the top level of a daily item are repeated there
(docs/hf-fields.md). Fields a paper lacks are left out, as HF leaves them out; routes
serialise with ``response_model_exclude_none``.
Timestamps are ISO-8601 UTC with milliseconds and ``Z``, as HF writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from paperfeed.service.fulltext_search import PassageHit
from paperfeed.service.views import OrganizationView, PaperView, UserView


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
    """A submitter, with what Hugging Face said of them when they came from HF; the
    username is sent as both ``user`` and ``name``, as HF does."""

    id_: str | None = Field(None, alias="_id", serialization_alias="_id")
    avatarUrl: str | None = None
    fullname: str | None = None
    user: str
    name: str
    type: str = "user"
    isPro: bool | None = None
    isHf: bool | None = None
    isHfAdmin: bool | None = None
    isMod: bool | None = None
    followerCount: int | None = None

    @classmethod
    def from_user(cls, user: UserView | None) -> UserOut | None:
        if user is None:
            return None
        return cls(
            _id=user.hf_id,
            avatarUrl=user.avatar_url,
            fullname=user.fullname,
            user=user.username,
            name=user.username,
            type=user.user_type,
            isPro=user.is_pro,
            isHf=user.is_hf,
            isHfAdmin=user.is_hf_admin,
            isMod=user.is_mod,
            followerCount=user.follower_count,
        )


class OrganizationOut(BaseModel):
    """A Hugging Face organization, as HF writes it (``avatar``, not ``avatarUrl``)."""

    id_: str | None = Field(None, alias="_id", serialization_alias="_id")
    name: str
    fullname: str | None = None
    avatar: str | None = None

    @classmethod
    def from_org(cls, org: OrganizationView | None) -> OrganizationOut | None:
        if org is None:
            return None
        return cls(_id=org.hf_id, name=org.name, fullname=org.fullname, avatar=org.avatar)


class HfFieldsOut(BaseModel):
    """The fields HF puts in ``paper`` that ``huggingface_hub.PaperInfo`` reads from the top
    level of what it is given: a paper's body has them at its top, and a daily item repeats
    them at its top as well."""

    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] | None = Field(
        None, description="Hugging Face's AI keywords, or keywords computed here (keywordsSource)"
    )
    keywordsSource: str | None = Field(
        None, description="paperfeed: 'huggingface', or 'local' (docs/hf-fields.md)"
    )
    organization: OrganizationOut | None = None

    @staticmethod
    def values(view: PaperView) -> dict:
        return {
            "githubRepo": view.github_repo,
            "githubStars": view.github_stars,
            "projectPage": view.project_page,
            "ai_summary": view.ai_summary,
            "ai_keywords": list(view.keywords) or None,
            "keywordsSource": view.keywords_source,
            "organization": OrganizationOut.from_org(view.organization),
        }


class PaperOut(HfFieldsOut):
    """One paper: the body of ``GET /api/papers/{id}`` and the ``paper`` of a daily item."""

    id: str = Field(description="arXiv id without version, e.g. 2511.01234")
    authors: list[AuthorOut]
    publishedAt: str | None = Field(None, description="arXiv publication time (v1)")
    title: str
    summary: str = Field(description="the abstract")
    upvotes: int
    submittedOnDailyAt: str | None = Field(None, description="when it was put on the feed")
    submittedOnDailyBy: UserOut | None = None
    discussionId: str | None = Field(None, description="the paper's discussion on Hugging Face")
    ai_summary_model: str | None = None
    mediaUrls: list[str] | None = None
    githubRepoAddedBy: str | None = None

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
            submittedOnDailyBy=UserOut.from_user(view.submitted_by_user),
            discussionId=view.discussion_id,
            ai_summary_model=view.ai_summary_model,
            mediaUrls=list(view.media_urls) or None,
            githubRepoAddedBy=view.github_repo_added_by,
            **HfFieldsOut.values(view),
        )


class PassageOut(BaseModel):
    """The passage of a paper's full text that a search matched."""

    section: str = Field(description='its heading path, e.g. "2 Method › 2.1 Attention"')
    text: str = Field(description="the passage, Markdown with math as $…$")


class DailyPaperOut(HfFieldsOut):
    """One item of ``GET /api/daily_papers`` and ``GET /api/papers/search``."""

    paper: PaperOut
    publishedAt: str | None = Field(
        None, description="when the paper was put on the daily feed (HF's name for it)"
    )
    title: str
    summary: str
    numComments: int
    submittedBy: UserOut | None = None
    thumbnail: str | None = None
    mediaUrls: list[str] | None = None
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
            submittedBy=UserOut.from_user(view.submitted_by_user),
            thumbnail=view.thumbnail,
            mediaUrls=list(view.media_urls) or None,
            **HfFieldsOut.values(view),
        )


class ErrorOut(BaseModel):
    """The one error shape of every JSON endpoint."""

    ok: bool = False
    error: str
    status: int
