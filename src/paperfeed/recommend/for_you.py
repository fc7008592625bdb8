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
    seen_among,
    views_of,
)
from paperfeed.recommend.follow_match import match_window
from paperfeed.recommend.paper_facts import PaperFact, paper_facts
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
    coded_category_prior,
    community_scale,
    content_relevance,
    decay,
    minmax,
    mix_scores,
)
from paperfeed.recommend.window_data import Window, window_data
from paperfeed.recommend.window_papers import WindowPapers
from paperfeed.recommend.word_space import build_word_space, rocchio_relevance
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
    """The whole window ranked (before paging): what :func:`rank_window` returns. Candidate
    ``i`` (the index into ``order``, ``score`` ...) is row ``rows[i]`` of ``window.papers``."""

    window: Window
    rows: np.ndarray
    order: np.ndarray
    score: np.ndarray
    personal: np.ndarray
    community: np.ndarray
    liked: list[Signal]  # what ``nearest`` indexes
    nearest: np.ndarray  # per candidate: its nearest liked paper, -1 none
    closeness: np.ndarray  # its cosine to that paper
    follows: list  # the member's follow rules, what ``first_follow`` indexes
    first_follow: np.ndarray  # per candidate: the first follow that brings it, -1 none
    facts: dict[int, PaperFact]  # the liked and disliked papers' kept facts

    @property
    def papers(self) -> _Candidates:
        """The candidates as :class:`WindowPaper` (made when asked, one at a time)."""
        return _Candidates(self.window.papers, self.rows)

    def why(self, i: int) -> tuple[str, object] | None:
        """What brought candidate ``i``: ("item", Signal) | ("follow", label) | None. A liked
        paper close enough is named even if a follow matched."""
        item = self.liked[int(self.nearest[i])] if self.nearest[i] >= 0 else None
        follow = self.follows[int(self.first_follow[i])] if self.first_follow[i] >= 0 else None
        if item is not None and (self.closeness[i] >= CLOSE_ENOUGH or follow is None):
            return ("item", item)
        if follow is not None:
            return ("follow", follow.label)
        return None


class _Candidates:
    def __init__(self, papers: WindowPapers, rows: np.ndarray):
        self.papers, self.rows = papers, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> WindowPaper:
        row = self.papers.rows[int(self.rows[i])]
        return WindowPaper(
            row.paper_id,
            row.arxiv_id,
            row.title,
            row.authors,
            row.categories,
            row.posted_at,
            row.imported_upvotes,
        )


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
    ids = scored.window.papers.paper_ids
    views = views_of(session, [int(ids[scored.rows[i]]) for i in page])
    named = {  # the liked papers' kept facts carry what a reason names: no read
        pid: (fact.arxiv_id, fact.title) for pid, fact in scored.facts.items() if fact.title
    }
    items = []
    for i in page:
        view = views.get(int(ids[scored.rows[i]]))
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
    ``params`` to tune them; the product uses the defaults). The window's papers, vectors
    and votes are the kept shared data (:mod:`paperfeed.recommend.window_data`); what is
    computed here is this member's."""
    window = window_data(session, model, since=as_of - timedelta(days=days), until=as_of)
    papers, rows = window.papers, window.rows
    excluded = set(profile.saved | profile.dismissed)
    if hide_seen and len(rows):
        excluded |= seen_among(session, user_id, papers.paper_ids[rows].tolist())
    if excluded and len(rows):
        rows = rows[~np.isin(papers.paper_ids[rows], np.fromiter(excluded, dtype=np.int64))]
    community = community_scale(window.trending(as_of, half_life)[rows])
    n = len(rows)
    content = _Content(np.zeros(n), [], np.full(n, -1), np.zeros(n))
    follows, first_follow, facts = np.zeros(n), np.full(n, -1), {}
    if profile.empty:
        personal, score = np.zeros(n), community
    else:
        content, follows, first_follow, facts = _personal(
            session, model, profile, window, rows, as_of, params
        )
        personal = minmax(content.raw + follows)
        score = mix_scores(personal, community, mix)
    # Best first; ties: the more trending, then the newer, then the higher id.
    posted, ids = papers.posted[rows], papers.paper_ids[rows]
    order = np.lexsort((-ids, -posted, -community, -score)) if n else np.array([], int)
    return Scored(
        window,
        rows,
        order,
        score,
        personal,
        community,
        content.liked,
        content.nearest,
        content.closeness,
        profile.follows,
        first_follow,
        facts,
    )


@dataclass
class _Content:
    raw: np.ndarray  # the relevance before the follows' bonus
    liked: list[Signal]
    nearest: np.ndarray
    closeness: np.ndarray


def _personal(session, model, profile: Profile, window: Window, rows, as_of, params):
    """The content relevance of every candidate, the bonus of its follows, the first follow
    that brings it, and the liked papers' facts."""
    papers, n = window.papers, len(rows)
    content = _Content(np.zeros(n), [], np.full(n, -1), np.zeros(n))
    facts: dict[int, PaperFact] = {}
    if profile.positives and n:  # the liked papers' vectors, texts, categories: kept facts
        signals = profile.positives + profile.negatives
        facts = paper_facts(session, model, [s.paper_id for s in signals], window.head)
    if model is not None and profile.positives and n:
        content = _content(model, profile, papers, rows, as_of, params, facts)
    if params.words_weight and profile.positives and n:
        words = _words(profile, papers, rows, as_of, params, facts)
        content.raw = add_words(content.raw, words, params.words_weight)
    if params.category_weight and profile.positives and n:
        prior = _prior(profile, papers, rows, as_of, params, facts)
        content.raw += params.category_weight * prior
    bonus, first = match_window(papers, rows, profile.follows, params.follow_bonus)
    return content, bonus, first, facts


def _words(profile, papers: WindowPapers, rows, as_of, params, facts) -> np.ndarray:
    """Word relevance of every candidate: the Rocchio score in the window's TF-IDF space,
    fitted once per window snapshot for every member (``WindowPapers.cached``: on all the
    papers of the window's days, so a day or so more than the exact window)."""
    space = papers.cached("word_space", _word_space)
    if space is None:
        return np.zeros(len(rows))
    liked = profile.positives
    texts = {s.paper_id: facts[s.paper_id].text for s in liked if s.paper_id in facts}
    liked_rows = space.rows_of([s.paper_id for s in liked], texts)
    weights = _weights(liked, as_of, params)
    # Scored over the whole window and then picked: slicing the candidates' sparse rows out
    # cost more than the product over the few rows that are not candidates.
    every = rocchio_relevance(space.matrix, liked_rows, weights, space.mean, params.word_contrast)
    return every[rows]


def _word_space(papers: WindowPapers):
    return build_word_space(papers.paper_ids.tolist(), [papers.text(i) for i in range(len(papers))])


def _weights(signals: list[Signal], as_of: datetime, params: Params) -> np.ndarray:
    """Each liked paper's weight: its signal's, decayed by its age if a half-life is set."""
    base = [SIGNAL_WEIGHTS[s.kind] for s in signals]
    return decay([s.at for s in signals], base, as_of, params.item_half_life_days)


def _prior(profile: Profile, papers: WindowPapers, rows, as_of, params, facts) -> np.ndarray:
    """The category prior of every candidate (see scoring.category_prior)."""
    none = PaperFact((), "", None)
    liked = [facts.get(s.paper_id, none).categories for s in profile.positives]
    codes, names = papers.primary_codes()
    weights = _weights(profile.positives, as_of, params)
    return coded_category_prior(codes[rows], names, liked, weights)


def _content(model, profile: Profile, papers: WindowPapers, rows, as_of, params, facts):
    """The content part of the formula over the candidates that have vectors (those without
    rank below every embedded one on content)."""
    n = len(rows)
    wanted = [s.paper_id for s in profile.positives] + [s.paper_id for s in profile.negatives]
    vecs = _vectors(papers, wanted, facts)
    liked = [s for s in profile.positives if s.paper_id in vecs]
    out = _Content(np.zeros(n), liked, np.full(n, -1), np.zeros(n))
    embedded = np.flatnonzero(papers.has_vector[rows])
    if not liked or not len(embedded):
        return out
    liked_m = np.stack([vecs[s.paper_id] for s in liked])
    disliked = [vecs[s.paper_id] for s in profile.negatives if s.paper_id in vecs]
    disliked_m = np.stack(disliked) if disliked else np.zeros((0, liked_m.shape[1]), np.float32)
    cand = papers.vectors[rows[embedded]]
    same = _same(papers.paper_ids[rows[embedded]], [s.paper_id for s in liked])
    weights = _weights(liked, as_of, params)
    rel, nearest = content_relevance(cand, liked_m, weights, disliked_m, params, same)
    # Each candidate's cosine to its nearest liked paper: one dot product per row, not the
    # whole candidates x liked product again.
    near = np.einsum("ij,ij->i", cand, liked_m[np.maximum(nearest, 0)])
    out.raw[:] = float(rel.min())
    out.raw[embedded] = rel
    out.nearest[embedded] = nearest
    out.closeness[embedded] = np.where(nearest >= 0, near, 0.0)
    return out


def _vectors(papers: WindowPapers, paper_ids: list[int], facts) -> dict[int, np.ndarray]:
    """Unit vectors of these papers: from the window where they are in it, else the kept
    facts' (:mod:`paperfeed.recommend.paper_facts`)."""
    found: dict[int, np.ndarray] = {}
    rows = papers.rows_of(np.array(paper_ids, dtype=np.int64))
    for pid, row in zip(paper_ids, rows.tolist(), strict=True):
        if row >= 0 and papers.has_vector[row]:
            found[pid] = papers.vectors[row]
        elif row < 0 and (fact := facts.get(pid)) is not None and fact.vector is not None:
            found[pid] = fact.vector
    return found


def _same(candidate_ids: np.ndarray, liked_ids: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(rows, cols)`` where a candidate is that liked paper (None: none is): a few pairs,
    not a candidates x liked mask (building and scanning one cost ~5 ms a list)."""
    liked = np.array(liked_ids, dtype=np.int64)
    both = np.flatnonzero(np.isin(candidate_ids, liked))
    if not len(both):
        return None
    rows, cols = [], []
    for i in both.tolist():
        for j in np.flatnonzero(liked == candidate_ids[i]).tolist():
            rows.append(i)
            cols.append(j)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def _reason(scored: Scored, i: int, mix: float, named: dict[int, tuple[str, str]]) -> Reason:
    """The card's few words: the follow or the liked paper that brought it, or trending
    where the community's part of its score is the larger one."""
    why = scored.why(i)
    personal_part = mix * scored.personal[i]
    community_part = (1.0 - mix) * scored.community[i]
    if why is None or personal_part <= 0 or community_part > personal_part:
        return Reason("trending", "Trending in the community")
    if why[0] == "follow":
        return Reason("follow", str(why[1]))
    signal = why[1]
    arxiv_id, title = named.get(signal.paper_id, (None, "a paper in your library"))
    return Reason(signal.kind, title, arxiv_id)
