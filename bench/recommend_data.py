"""The data of the recommendation benchmark: simulated readers (authors) of the arXiv cs
listings, one window of candidates, and the embeddings of only what is needed.

A reader is an author (name case-folded, spaces collapsed) with at least ``min_library``
papers listed before ``cutoff`` (their library, the newest ``max_library`` kept) and at least
one paper listed in the window ``[cutoff, cutoff + days)`` (the targets). Every paper listed
in the window is a candidate. Readers are a seeded sample, so a run is reproducible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bench.common import arxiv_cs_records
from bench.embed_cache import cached_embeddings
from paperfeed.embed.model import paper_text
from paperfeed.ingest.records import PaperRecord


@dataclass(frozen=True)
class Reader:
    name: str
    library: tuple[str, ...]  # arXiv ids, newest first
    targets: frozenset[str]


@dataclass
class Window:
    cutoff: date
    days: int
    papers: dict[str, PaperRecord]  # every paper the benchmark uses (libraries + candidates)
    candidates: list[str]  # arXiv ids listed in the window, in a fixed order
    readers: list[Reader]
    vectors: dict[str, np.ndarray] | None = None  # arXiv id -> unit vector

    @property
    def end(self) -> date:
        return self.cutoff + timedelta(days=self.days)


def author_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def build_window(
    cutoff: date,
    days: int,
    *,
    readers: int,
    seed: int = 15,
    min_library: int = 3,
    max_library: int = 100,
) -> Window:
    """The candidates and a seeded sample of ``readers`` readers of one window."""
    end = cutoff + timedelta(days=days)
    records = [r for r in arxiv_cs_records() if isinstance(r, PaperRecord) and r.feed_day < end]
    by_id = {r.arxiv_id: r for r in records}
    before: dict[str, list[PaperRecord]] = defaultdict(list)
    inside: dict[str, set[str]] = defaultdict(set)
    for r in records:
        for name in dict.fromkeys(author_key(a) for a in r.authors):
            if r.feed_day < cutoff:
                before[name].append(r)
            else:
                inside[name].add(r.arxiv_id)
    eligible = sorted(n for n in inside if len(before.get(n, ())) >= min_library)
    chosen = sorted(random.Random(seed).sample(eligible, min(readers, len(eligible))))
    sample = []
    for name in chosen:
        library = sorted(before[name], key=lambda r: (r.feed_day, r.arxiv_id), reverse=True)
        sample.append(
            Reader(
                name,
                tuple(r.arxiv_id for r in library[:max_library]),
                frozenset(inside[name]),
            )
        )
    candidates = sorted(r.arxiv_id for r in records if r.feed_day >= cutoff)
    used = set(candidates) | {a for reader in sample for a in reader.library}
    return Window(cutoff, days, {a: by_id[a] for a in sorted(used)}, candidates, sample)


def embed_window(window: Window, *, progress: bool = True) -> None:
    """The unit vectors of the window's papers, from the bench cache (computed once)."""
    ids = sorted(window.papers)
    texts = [paper_text(window.papers[a].title, window.papers[a].abstract) for a in ids]
    name = f"recommend-{window.cutoff}-{window.days}d"
    matrix = cached_embeddings(name, texts, progress=progress)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms > 0, norms, 1.0)
    window.vectors = {a: matrix[i] for i, a in enumerate(ids)}
