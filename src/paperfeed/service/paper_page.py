"""What a paper page shows that is the same for every reader, read in as few statements as
it can be (issue 16: an uncached paper page's CPU was mostly per-statement work).

One statement reads the paper, the change sequence's head (which the kept similar lists are
checked against) and whether it has approved author claims or comments at all; one more
reads the similar papers (only the four fields the page shows); claims and comments are read
only when there are any, a small discussion in one statement
(:func:`~paperfeed.service.comment_threads.paper_threads`). The API's similar list
(:func:`~paperfeed.service.similar.similar_papers`) gives whole views instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from paperfeed.accounts.users import Account
from paperfeed.errors import NotFound
from paperfeed.search.base import VectorIndex
from paperfeed.service.authors import APPROVED_CLAIM, claimed_names
from paperfeed.service.comment_threads import ThreadPage, paper_threads
from paperfeed.service.similar import ON_PAGE, SPARE, SimilarLists
from paperfeed.service.views import VIEW_COLUMNS, PaperView, view_source
from paperfeed.store.models import AuthorClaim, Comment, Paper, PaperChange


@dataclass(frozen=True)
class SimilarEntry:
    """A similar paper as the paper page lists it."""

    arxiv_id: str
    title: str
    published_at: datetime | None
    upvotes: int


@dataclass(frozen=True)
class PaperPage:
    paper: PaperView
    similar: list[SimilarEntry]  # most similar first, at most ON_PAGE
    claimed: dict[str, str]  # author name (as the paper lists it) -> username
    comments: ThreadPage


_PAPER = (  # built once: building a statement costs more than running it (issue 16)
    select(
        *VIEW_COLUMNS,
        Paper.id,
        select(func.max(PaperChange.seq)).scalar_subquery().label("head"),
        exists().where(AuthorClaim.paper_id == Paper.id, APPROVED_CLAIM).label("any_claims"),
        exists().where(Comment.paper_id == Paper.id).label("any_comments"),
    )
    .select_from(view_source())
    .where(Paper.arxiv_id == bindparam("arxiv_id"), Paper.hidden.is_(False))
)
SIMILAR_READ = ON_PAGE + SPARE  # a kept list's length: the list and its spares
_ENTRY = select(Paper.arxiv_id, Paper.title, Paper.published_at, Paper.upvotes)
# One bound value per id, not an expanding IN: that renders the statement again at every
# run (~0.1 ms here). Fewer ids are padded with "", which is no paper's id.
_SIMILAR = _ENTRY.where(
    Paper.arxiv_id.in_([bindparam(f"id{n}") for n in range(SIMILAR_READ)]),
    Paper.hidden.is_(False),
)
_MORE = _ENTRY.where(Paper.arxiv_id.in_(bindparam("ids", expanding=True)), Paper.hidden.is_(False))


def paper_page(
    session: Session,
    index: VectorIndex | None,
    arxiv_id: str,
    viewer: Account | None,
    *,
    comments_page: int = 1,
) -> PaperPage:
    """The visible paper ``arxiv_id`` (bare), its similar papers as :func:`similar_papers`
    would list :data:`ON_PAGE` of them, its claimed author names and page ``comments_page``
    of its threads as ``viewer`` may see them. NotFound for an unknown or hidden paper, or a
    comment page past the last."""
    conn = session.connection()
    row = conn.execute(_PAPER, {"arxiv_id": arxiv_id}).first()
    if row is None:
        raise NotFound(f"No paper with arXiv id {arxiv_id!r}")
    neighbours = None
    if index is not None:
        lists = SimilarLists.of(index)
        neighbours = lists.neighbours(session, arxiv_id, ON_PAGE, head=row.head or 0)
    similar: list[SimilarEntry] = []
    if neighbours:  # spares read too: they stand in for papers hidden since
        first = neighbours[:SIMILAR_READ]
        ids = {f"id{n}": a for n, a in enumerate(first)}
        ids.update((f"id{n}", "") for n in range(len(first), SIMILAR_READ))
        found = {r.arxiv_id: SimilarEntry(*r) for r in conn.execute(_SIMILAR, ids)}
        if len(found) < ON_PAGE and len(neighbours) > SIMILAR_READ:  # a longer kept list
            rest = conn.execute(_MORE, {"ids": list(neighbours[SIMILAR_READ:])})
            found.update((r.arxiv_id, SimilarEntry(*r)) for r in rest)
        similar = [found[a] for a in neighbours if a in found][:ON_PAGE]
    return PaperPage(
        paper=PaperView.from_columns(row),
        similar=similar,
        claimed=claimed_names(session, arxiv_id) if row.any_claims else {},
        comments=paper_threads(
            session, row.id, arxiv_id, viewer, page=comments_page, any_comments=row.any_comments
        ),
    )
