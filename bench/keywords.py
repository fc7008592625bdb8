"""Cost per paper of local keywords (embed/keywords.py), against embedding the paper itself.

A fixed sample of real arXiv cs papers (title + abstract as stored), in rounds; each round
times, inside ``cpu_quiet()``: (embed) the papers' own embeddings, batched as the embedding
job does; (keywords) ``keywords_of`` for every paper with a cold phrase cache (the worst
case: a run that starts on these papers); (candidates) only the pure-Python candidate step.
Reports the median ms/paper over the rounds and the median per-round ratio keywords/embed,
which is what to compare on a shared, noisy machine.

Run:
    .venv/bin/python -m bench.keywords --sample 64 --rounds 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from bench.common import arxiv_cs_records, cpu_quiet, machine
from paperfeed.embed.keyphrases import candidates
from paperfeed.embed.keywords import keywords_of
from paperfeed.embed.model import DEFAULT_MODEL, get_embedder, paper_text
from paperfeed.ingest.records import PaperRecord


def sample(n: int) -> list[tuple[str, str]]:
    papers = [(r.title, r.abstract) for r in arxiv_cs_records() if isinstance(r, PaperRecord)]
    random.Random(17).shuffle(papers)
    return papers[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    papers = sample(args.sample)
    texts = [paper_text(t, a) for t, a in papers]
    embedder = get_embedder(DEFAULT_MODEL)
    embedder.encode(["warm up"])
    per_paper: dict[str, list[float]] = {"embed": [], "keywords": [], "candidates": []}
    ratios, counts = [], []
    for _ in range(args.rounds):
        with cpu_quiet():
            start = time.perf_counter()
            docs = embedder.encode(texts)
            embed_s = time.perf_counter() - start
            start = time.perf_counter()
            found = [
                keywords_of(embedder, t, a, d, {}) for (t, a), d in zip(papers, docs, strict=True)
            ]
            keywords_s = time.perf_counter() - start
            start = time.perf_counter()
            counts = [len(candidates(t, x)) for (t, _a), x in zip(papers, texts, strict=True)]
            candidates_s = time.perf_counter() - start
        for name, seconds in (
            ("embed", embed_s),
            ("keywords", keywords_s),
            ("candidates", candidates_s),
        ):
            per_paper[name].append(seconds / len(papers) * 1000)
        ratios.append(keywords_s / embed_s)
    print(f"machine: {machine()}; {len(papers)} papers, {args.rounds} rounds, {DEFAULT_MODEL}")
    print(
        f"candidates per paper: mean {np.mean(counts):.1f}; keywords per paper: "
        f"mean {np.mean([len(k) for k in found]):.1f}"
    )
    for name, values in per_paper.items():
        print(f"{name:>10}: median {statistics.median(values):8.2f} ms/paper  {values}")
    print(f"keywords / embed, per round: median {statistics.median(ratios):.2f}  {ratios}")
    print("example:", papers[0][0][:70], "->", found[0])


if __name__ == "__main__":
    main()
