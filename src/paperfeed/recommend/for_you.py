"""The for-you list: the recent feed papers ranked for one member by the documented formula
``score = mix * personal + (1 - mix) * community`` (:mod:`paperfeed.recommend.scoring`,
docs/for-you.md), every card with the reason it is there.

Candidates are the feed papers posted in the last ``days`` days, judged as of
:func:`paperfeed.service.trending.trending_as_of` (now, or the latest activity of an idle
instance, like every trending surface). Papers the member saved or marked "not interested"
are never candidates; with ``hide_seen`` neither are those they have seen. A member with no
signal yet (nothing saved, upvoted, asked for or followed) is a cold start: the list is
trending, whatever the mix, and says so (``cold_start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.library.prefs import check_days, check_mix
from paperfeed.rank.trending import DEFAULT_HALF_LIFE
from paperfeed.recommend.candidates import (
    WindowPaper,
    categories_of,
    seen_among,
    texts_of,
    titles_of,
    trending_scores,
    vectors_of,
    views_of,
    window_papers,
)
from paperfeed.recommend.follow_match import FollowMatcher
from paperfeed.recommend.profile import (
    SIGNAL_WEIGHTS,
    Profile,
    Signal,
    load_profile,
)
from paperfeed.recommend.scoring import (
    DEFAULT_PARAMS,
    Params,
    add_words,
    category_prior,
    community_scale,
    content_relevance,
    decay,
    minmax,
    mix_scores,
)
from paperfeed.recommend.word_space import rocchio_relevance, word_space_of
from paperfeed.search.base import VectorIndex
from paperfeed.service.trending import AsOf, trending_as_of
from paperfeed.service.views import PaperView

MAX_LIMIT = 100
# A liked paper this close (weighted cosine) is named as the reason even if a follow matched.
CLOSE_ENOUGH = 0.5


@dataclass(frozen=True)
class Reason:
    """Why a card is there: ``kind`` saved | upvoted | more (closest such paper, ``label`` its
    title, ``arxiv_id`` its id), follow (``label`` the follow's) or trending."""

    kind: str
    label: str
    arxiv_id: str | None = None

    @property
    def text(self) -> str:
        """The few words a card shows."""
        if self.kind == "follow":
            return f"Because you follow {self.label}"
        if self.kind == "trending":
            return "Trending in the community"
        what = {"saved": "you saved", "upvoted": "you upvoted", "more": "you asked more of"}
        return f"Close to “{self.label}”, which {what.get(self.kind, 'you liked')}"


@dataclass(frozen=True)
class ForYouItem:
    paper: PaperView
    score: float
    personal: float  # in [0, 1]
    community: float  # in [0, 1]
    reason: Reason | None


@dataclass(frozen=True)
class ForYouPage:
    items: list[ForYouItem]
    total: int  # candidates ranked
    cold_start: bool
    days: int
    mix: float
    as_of: AsOf


@dataclass(frozen=True)
class Scored:
    """The whole window ranked (before paging): what :func:`rank_window` returns."""

    papers: list[WindowPaper]
    order: np.ndarray
    score: np.ndarray
    personal: np.ndarray
    community: np.ndarray
    reasons: list[tuple[str, object] | None]  # ("item", Signal) | ("follow", label) | None


def for_you(
    session: Session,
    vectors: VectorIndex | None,
    *,
    user_id: int,
    now: datetime,
    days: int = 7,
    mix: float = 0.7,
    hide_seen: bool = False,
    limit: int = 20,
    offset: int = 0,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> ForYouPage:
    """One page of the member's for-you list. ``vectors``: the vector index whose model's
    stored embeddings give content relevance (None: follows only). InvalidInput for a
    window other than 1, 7 or 30 days, a mix outside [0, 1] or a bad page."""
    days, mix = check_days(days), check_mix(mix)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT} and offset >= 0")
    as_of = trending_as_of(session, now=now, half_life=half_life)
    profile = load_profile(session, user_id)
    scored = rank_window(
        session,
        vectors.model if vectors is not None else None,
        profile,
        user_id=user_id,
        as_of=as_of.at,
        days=days,
        mix=mix,
        hide_seen=hide_seen,
        half_life=half_life,
    )
    page = [int(i) for i in scored.order[offset : offset + limit]]
    views = views_of(session, [scored.papers[i].paper_id for i in page])
    named = titles_of(
        session, [r[1].paper_id for i in page if (r := scored.reasons[i]) and r[0] == "item"]
    )
    items = []
    for i in page:
        view = views.get(scored.papers[i].paper_id)
        if view is None:  # hidden between the two reads
            continue
        reason = _reason(scored, i, mix, named)
        items.append(
            ForYouItem(
                view,
                float(scored.score[i]),
                float(scored.personal[i]),
                float(scored.community[i]),
                reason,
            )
        )
    return ForYouPage(items, len(scored.order), profile.empty, days, mix, as_of)


def rank_window(
    session: Session,
    model: str | None,
    profile: Profile,
    *,
    user_id: int,
    as_of: datetime,
    days: int,
    mix: float,
    hide_seen: bool = False,
    half_life: timedelta = DEFAULT_HALF_LIFE,
    params: Params = DEFAULT_PARAMS,
) -> Scored:
    """Every candidate of the window scored and ordered (the benchmark calls this with other
    ``params`` to tune them; the product uses the defaults)."""
    with_text = any(f.kind == "topic" for f in profile.follows)
    papers = window_papers(
        session, since=as_of - timedelta(days=days), until=as_of, with_text=with_text
    )
    window_ids = [p.paper_id for p in papers]  # the word space is the whole window's
    excluded = profile.saved | profile.dismissed
    if hide_seen and papers:
        excluded = excluded | seen_among(session, user_id, window_ids)
    papers = [p for p in papers if p.paper_id not in excluded]
    community = community_scale(trending_scores(session, papers, as_of=as_of, half_life=half_life))
    if profile.empty:
        personal = np.zeros(len(papers))
        reasons: list = [None] * len(papers)
        score = community
    else:
        personal, reasons = _personal(session, model, profile, papers, window_ids, as_of, params)
        score = mix_scores(personal, community, mix)
    # Best first; ties: the more trending, then the newer, then the higher id.
    posted = np.array([p.posted_at.timestamp() for p in papers])
    ids = np.array([p.paper_id for p in papers])
    order = np.lexsort((-ids, -posted, -community, -score)) if papers else np.array([], int)
    return Scored(papers, order, score, personal, community, reasons)


def _personal(
    session: Session,
    model: str | None,
    profile: Profile,
    papers: list[WindowPaper],
    window_ids: list[int],
    as_of: datetime,
    params: Params,
) -> tuple[np.ndarray, list]:
    """Personal relevance in [0, 1] of every paper, and what brought each."""
    raw = np.zeros(len(papers))
    best_item: list[Signal | None] = [None] * len(papers)
    closeness = np.zeros(len(papers))
    if model is not None and profile.positives and papers:
        relevance, nearest, closeness, best_item = _content(
            session, model, profile, papers, as_of, params
        )
        raw += relevance
    if params.words_weight and profile.positives and papers:
        words = _words(session, profile, papers, window_ids, as_of, params)
        raw = add_words(raw, words, params.words_weight)
    if params.category_weight and profile.positives and papers:
        raw += params.category_weight * _prior(session, profile, papers, as_of, params)
    reasons: list = []
    matcher = FollowMatcher(profile.follows)  # indexed once for the whole window
    for i, paper in enumerate(papers):
        follows = matcher.match(paper.authors, paper.categories, paper.text)
        raw[i] += sum(params.follow_bonus.get(f.kind, 0.0) for f in follows)
        if best_item[i] is not None and (closeness[i] >= CLOSE_ENOUGH or not follows):
            reasons.append(("item", best_item[i]))
        elif follows:
            reasons.append(("follow", follows[0].label))
        else:
            reasons.append(None)
    return minmax(raw), reasons


def _words(session, profile, papers, window_ids, as_of, params) -> np.ndarray:
    """Word relevance of every paper: the Rocchio score in the window's TF-IDF space."""
    liked = profile.positives
    texts = texts_of(session, list(dict.fromkeys(window_ids + [s.paper_id for s in liked])))
    space = word_space_of(window_ids, [texts.get(p, "") for p in window_ids])
    if space is None:
        return np.zeros(len(papers))
    weights = decay(
        [s.at for s in liked],
        [SIGNAL_WEIGHTS[s.kind] for s in liked],
        as_of,
        params.item_half_life_days,
    )
    liked_rows = space.rows_of([s.paper_id for s in liked], texts)
    candidates = space.matrix[[space.row_of[p.paper_id] for p in papers]]
    return rocchio_relevance(candidates, liked_rows, weights, space.mean, params.word_contrast)


def _prior(session, profile, papers, as_of, params) -> np.ndarray:
    """The category prior of every paper (see scoring.category_prior)."""
    cats = categories_of(session, [s.paper_id for s in profile.positives])
    weights = decay(
        [s.at for s in profile.positives],
        [SIGNAL_WEIGHTS[s.kind] for s in profile.positives],
        as_of,
        params.item_half_life_days,
    )
    liked = [cats.get(s.paper_id, ()) for s in profile.positives]
    primaries = [p.categories[0] if p.categories else None for p in papers]
    return category_prior(primaries, liked, weights)


def _content(session, model, profile, papers, as_of, params):
    """The content part of the formula over the papers that have embeddings (0 for others)."""
    liked_ids = [s.paper_id for s in profile.positives]
    wanted = liked_ids + [s.paper_id for s in profile.negatives] + [p.paper_id for p in papers]
    vecs = vectors_of(session, model, list(dict.fromkeys(wanted)))
    liked = [s for s in profile.positives if s.paper_id in vecs]
    n = len(papers)
    relevance, closeness = np.zeros(n), np.zeros(n)
    best: list[Signal | None] = [None] * n
    rows = [i for i, p in enumerate(papers) if p.paper_id in vecs]
    if not liked or not rows:
        return relevance, np.full(n, -1), closeness, best
    liked_m = np.stack([vecs[s.paper_id] for s in liked])
    weights = decay(
        [s.at for s in liked],
        [SIGNAL_WEIGHTS[s.kind] for s in liked],
        as_of,
        params.item_half_life_days,
    )
    disliked = [vecs[s.paper_id] for s in profile.negatives if s.paper_id in vecs]
    disliked_m = np.stack(disliked) if disliked else np.zeros((0, liked_m.shape[1]))
    cand = np.stack([vecs[papers[i].paper_id] for i in rows])
    same = (
        np.array([papers[i].paper_id for i in rows])[:, None]
        == np.array([s.paper_id for s in liked])[None, :]
    )
    rel, nearest = content_relevance(cand, liked_m, weights, disliked_m, params, same)
    # Each candidate's cosine to its nearest liked paper: one dot product per row, not the
    # whole candidates x liked product again.
    near = np.einsum("ij,ij->i", cand, liked_m[np.maximum(nearest, 0)])
    for j, i in enumerate(rows):
        relevance[i] = rel[j]
        if nearest[j] >= 0:
            best[i] = liked[int(nearest[j])]
            closeness[i] = float(near[j])
    # Papers without a vector rank below every embedded one on content.
    missing = [i for i in range(n) if papers[i].paper_id not in vecs]
    if missing:
        relevance[missing] = float(rel.min()) if len(rel) else 0.0
    return relevance, np.full(n, -1), closeness, best


def _reason(scored: Scored, i: int, mix: float, named: dict[int, tuple[str, str]]) -> Reason:
    """The card's few words: the follow or the liked paper that brought it, or trending
    where the community's part of its score is the larger one."""
    why = scored.reasons[i]
    personal_part = mix * scored.personal[i]
    community_part = (1.0 - mix) * scored.community[i]
    if why is None or personal_part <= 0 or community_part > personal_part:
        return Reason("trending", "Trending in the community")
    if why[0] == "follow":
        return Reason("follow", str(why[1]))
    signal = why[1]
    arxiv_id, title = named.get(signal.paper_id, (None, "a paper in your library"))
    return Reason(signal.kind, title, arxiv_id)
