"""Keywords of a paper from its own title and abstract, KeyBERT-style, with the search model.

1. Candidates: the text as readers see it (``paper_text``) is cut at punctuation and at
   English stop words (and a few words every abstract uses: "propose", "results", ...);
   every 1- to 3-word run inside a piece is a candidate. They are pre-ranked by how often
   they occur (a title occurrence counts double, longer phrases win ties) and the first
   :data:`MAX_CANDIDATES` kept, which bounds the cost per paper.
2. The candidates are embedded by the same model as the paper, and each scored by its
   cosine similarity to the paper's own embedding (the one search by meaning uses).
3. Maximal Marginal Relevance picks :data:`TOP_N`: each next keyword maximises
   ``(1 - DIVERSITY) * sim(keyword, paper) - DIVERSITY * max sim(keyword, picked)``, and a
   candidate whose words are inside a picked one (or the reverse) is passed over.

Only words of the paper are ever returned: nothing is generated. docs/hf-fields.md.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

MAX_CANDIDATES = 40
TOP_N = 6
DIVERSITY = 0.5
MAX_WORDS = 3

_STOP = frozenset(
    """a about above after again against all almost also although always am among an and
    another any are around as at be because been before being below between both but by can
    cannot could did do does doing done down due during each either else enough etc even
    ever every few for from further had has have having he her here hers him his how however
    i if in into is it its itself just least less like made make makes many may me might more
    most much must my neither no nor not now of off often on once one only onto or other our
    ours out over own per rather same several she should since so some such than that the
    their them then there these they this those though through thus to too toward towards
    under until up upon us used uses using very via was we well were what when where whether
    which while who whom whose why will with within without would yet you your

    across achieve achieved achieves achieving address addresses allow allows approach
    approaches based best better called case challenge challenges challenging compared
    comprehensive conduct demonstrate demonstrates demonstrating design designed different
    effective effectively enable enables especially existing experiment experiments
    experimental extensive find findings first furthermore given help high however improve
    improved improves improving including introduce introduced introduces key large leading
    leverage leverages limited lack main method methods moreover new novel obtain offers
    outperform outperforms overall paper particular performance present presents previous
    prior problem propose proposed proposes provide provides recent recently remain remains
    require requires result results second set show shows significant significantly simple
    specifically state-of-the-art strong study studies substantial superior task tasks three
    two type various via way ways well-known wide widely work works""".split()
)
_PIECES = re.compile(r"[.,;:!?()\[\]{}\"“”‘’/|<>=+*&^%$#@~`]|\s-\s|\s–\s|\s—\s")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9'-]*[A-Za-z0-9]$|^[A-Za-z]$")


def candidates(title: str, text: str) -> list[str]:
    """The candidate phrases of a paper, best first (see step 1), at most MAX_CANDIDATES."""
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    title_keys = set(_phrases(title, {}))
    order: dict[str, int] = {}
    for key in _phrases(text, surface):
        counts[key] += 1
        order.setdefault(key, len(order))
    ranked = sorted(
        counts,
        key=lambda k: (-(counts[k] + (k in title_keys)), -k.count(" "), order[k]),
    )
    return [surface[k] for k in ranked[:MAX_CANDIDATES]]


def _phrases(text: str, surface: dict[str, str]) -> list[str]:
    """Every 1..MAX_WORDS-word run between stop words and punctuation (lower-cased keys);
    ``surface`` gets each key's first spelling, keeping acronyms such as LLMs as written."""
    found: list[str] = []
    for piece in _PIECES.split(text):
        run: list[str] = []
        for word in piece.split() + [""]:
            clean = word.strip("'-")
            if clean and _WORD.match(clean) and clean.lower() not in _STOP:
                run.append(clean)
                continue
            for size in range(1, MAX_WORDS + 1):
                for start in range(len(run) - size + 1):
                    words = run[start : start + size]
                    if size == 1 and len(words[0]) < 3:
                        continue
                    key = " ".join(words).lower()
                    surface.setdefault(key, " ".join(_spelling(w) for w in words))
                    found.append(key)
            run = []
    return found


def _spelling(word: str) -> str:
    """Acronyms and names with inner capitals as written (LLMs, GPT-4, ImageNet), else lower."""
    return word if any(c.isupper() for c in word[1:]) else word.lower()


def pick(doc: np.ndarray, phrases: list[str], vectors: np.ndarray, top_n: int = TOP_N) -> list[str]:
    """MMR over ``phrases`` (rows of unit ``vectors``) against the unit ``doc`` vector."""
    if not phrases:
        return []
    relevance = vectors @ doc
    between = vectors @ vectors.T
    chosen: list[int] = []
    left = list(range(len(phrases)))
    while left and len(chosen) < top_n:
        best, best_score = None, -np.inf
        for i in left:
            redundancy = max((between[i, j] for j in chosen), default=0.0)
            score = (1 - DIVERSITY) * relevance[i] - DIVERSITY * redundancy
            if score > best_score:
                best, best_score = i, score
        left.remove(best)
        if not any(_overlaps(phrases[best], phrases[j]) for j in chosen):
            chosen.append(best)
    return [phrases[i] for i in chosen]


def _overlaps(a: str, b: str) -> bool:
    wa, wb = f" {a.lower()} ", f" {b.lower()} "
    return wa in wb or wb in wa
