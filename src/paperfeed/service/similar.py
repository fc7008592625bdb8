"""Papers similar to a paper: the nearest stored embeddings to its own.

Uses the paper's stored vector, so it never needs the model: it works as soon as papers are
embedded, even where the model cannot be loaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.search.base import SearchFilters, VectorIndex
from paperfeed.service.papers import get_paper, get_papers
from paperfeed.service.views import PaperView
from paperfeed.store.models import Paper, PaperEmbedding

MAX_SIMILAR = 100


@dataclass(frozen=True)
class SimilarPapers:
    paper: PaperView
    papers: list[PaperView]  # most similar first, never the paper itself
    notice: str | None = None  # why the list is empty when it is not for lack of neighbours


def similar_papers(
    session: Session, index: VectorIndex | None, arxiv_id: str, limit: int = 10
) -> SimilarPapers:
    """Up to ``limit`` visible papers nearest in meaning to ``arxiv_id``.

    Raises NotFound for an unknown or hidden paper, InvalidInput for a bad ``limit``.
    """
    if not 1 <= limit <= MAX_SIMILAR:
        raise InvalidInput(f"limit must be between 1 and {MAX_SIMILAR}, got {limit}")
    paper = get_paper(session, arxiv_id)
    if index is None:
        return SimilarPapers(paper, [], "Similar papers are turned off on this site.")
    vector = session.scalar(
        select(PaperEmbedding.vector)
        .join(Paper, Paper.id == PaperEmbedding.paper_id)
        .where(Paper.arxiv_id == paper.arxiv_id, PaperEmbedding.model == index.model)
    )
    if vector is None:
        return SimilarPapers(paper, [], "This paper has not been embedded yet.")
    hits = index.search(
        session, vector, SearchFilters(), limit, exclude=frozenset({paper.arxiv_id})
    )
    views = get_papers(session, [h.arxiv_id for h in hits])
    return SimilarPapers(paper, [views[h.arxiv_id] for h in hits if h.arxiv_id in views])
