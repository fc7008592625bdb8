"""Word relevance for the for-you formula: TF-IDF cosine of a paper's title and abstract to
the centroid of the member's liked papers, over a small corpus (the best candidates by
content and the liked papers), so a request can afford it.

Embeddings place a paper in its field; words catch what makes a member's own line of work:
the method, dataset and task names they keep using (bench/recommend.py measures the gain).
Pure: texts in, scores out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"\b\w\w+\b")
# Function words and the words nearly every abstract uses: they match everything.
STOP_WORDS = frozenset(
    """a about above across after again against all also although always am among an and any
    are as at be because been before being below between both but by can cannot could did do
    does doing down during each either else enough even ever every few for from further had
    has have having he her here hers him his how however i if in into is it its itself just
    least less many may me might more most much must my neither no nor not now of off often on
    once one only or other others our ours out over own per rather same she should since so
    some such than that the their theirs them then there therefore these they this those
    though through thus to too under until up upon us very via was we were what when where
    whether which while who whom whose why will with within without would yet you your
    paper propose proposed method methods approach results show shows based using use used
    new novel existing work works framework model models performance experiments""".split()
)


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.casefold()) if t not in STOP_WORDS and not t.isdigit()]


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def word_relevance(
    candidates: Sequence[str], liked: Sequence[str], weights: Sequence[float] | None = None
) -> np.ndarray:
    """Cosine of each candidate text's TF-IDF vector (sublinear term frequency, smoothed
    IDF over candidates and liked texts together) to the weighted centroid of the liked
    texts'. All 0 without liked texts."""
    if not candidates or not liked:
        return np.zeros(len(candidates))
    docs = [Counter(tokens(t)) for t in [*candidates, *liked]]
    df: Counter = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
    vectors = [_vector(d, idf) for d in docs]
    weights = [1.0] * len(liked) if weights is None else list(weights)
    centroid: dict[str, float] = {}
    for vec, w in zip(vectors[len(candidates) :], weights, strict=True):
        for t, v in vec.items():
            centroid[t] = centroid.get(t, 0.0) + w * v
    norm = math.sqrt(sum(v * v for v in centroid.values()))
    if not norm:
        return np.zeros(len(candidates))
    return np.array(
        [
            sum(v * centroid.get(t, 0.0) for t, v in vec.items()) / norm
            for vec in vectors[: len(candidates)]
        ]
    )
