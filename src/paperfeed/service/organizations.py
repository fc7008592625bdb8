"""Hugging Face organizations and their papers (``/organizations/{name}`` and its API twin).

An organization is the one HF lists a paper under (``organization`` in its JSON, kept by
ingest/organizations.py). Its papers are the visible ones it is named on, newest on the
feed first (then by arXiv publication), paged like the daily feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, nulls_last, select
from sqlalchemy.orm import Session

from paperfeed.errors import NotFound
from paperfeed.service.views import OrganizationView, PaperView
from paperfeed.store.models import DailyEntry, Organization, Paper

MAX_NAME = 96


@dataclass(frozen=True)
class OrganizationPapers:
    organization: OrganizationView
    papers: list[PaperView]
    total: int


def organization_papers(
    session: Session, name: str, *, limit: int, offset: int = 0
) -> OrganizationPapers:
    """One page of an organization's papers; NotFound for a name no paper is listed under."""
    org = (
        session.scalar(select(Organization).where(Organization.name == name))
        # No stored name has a control character (PostgreSQL refuses NUL in a query anyway).
        if 0 < len(name) <= MAX_NAME and not any(ord(c) < 32 for c in name)
        else None
    )
    if org is None:
        raise NotFound(f"No organization named {name[:MAX_NAME]!r}.")
    visible = (Paper.organization_id == org.id, Paper.hidden.is_(False))
    total = session.scalar(select(func.count()).select_from(Paper).where(*visible)) or 0
    rows = session.execute(
        select(Paper, DailyEntry)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(*visible)
        .order_by(
            nulls_last(DailyEntry.day.desc()),
            nulls_last(Paper.published_at.desc()),
            Paper.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    view = OrganizationView.from_row(org) or OrganizationView(org.name)
    return OrganizationPapers(view, [PaperView.from_row(p, e) for p, e in rows], total)
