"""Recommendation quality: the for-you ranker against baselines, readers simulated by authors.

Each simulated reader is an author of the arXiv cs listings (../shared/data/
arxiv-cs-daily-2025-2026): their papers listed before ``--cutoff`` are their library, every
paper listed in the next ``--days`` days is a candidate, and their own papers among those are
the targets (bench/recommend_data.py). Author names are hidden from every ranker: the
benchmark's database stores no authors at all, and the baselines see only texts, categories,
dates and embeddings.

The product is measured through :func:`paperfeed.recommend.for_you.for_you` itself, on a
real SQLite database built here (papers through the ingest upsert, embeddings from the bench
cache through ``write_embeddings``, one member per reader whose library is a collection with
each paper added on its listing day), with the member's default settings. The data carry no
upvotes, so the community term is 0 and the order is the personal one. Baselines: random,
TF-IDF centroid, embedding centroid, nearest library paper (bench/recommend_methods.py).
Metrics, averaged over readers: Recall@50, nDCG@10 (binary gains), MRR@100.

Embeddings: only the window's papers (libraries and candidates) are embedded, once, and cached
under ~/.cache/paperfeed-bench (bench/embed_cache.py).

Run (niced: the machine is shared):
    nice -n 10 .venv/bin/python -m bench.recommend --cutoff 2026-01-12 --days 7 --experiments
    nice -n 10 .venv/bin/python -m bench.recommend --cutoff 2026-05-04 --days 7   # held out
    .venv/bin/python -m bench.recommend --speed ...    # speed: bench/recommend_speed.py
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.recommend_data import Reader, Window, build_window, embed_window


def metrics(ranked: list[str], targets: frozenset[str]) -> dict[str, float]:
    """Recall@50, nDCG@10 (binary gains) and MRR@100 of one ranked list."""
    hits = [a in targets for a in ranked[:100]]
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(10, len(targets))))
    dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(hits[:10]) if hit)
    first = next((i for i, hit in enumerate(hits) if hit), None)
    return {
        "recall@50": sum(hits[:50]) / len(targets),
        "ndcg@10": dcg / ideal,
        "mrr@100": 0.0 if first is None else 1.0 / (first + 1),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def rank_by(window: Window, scores: np.ndarray) -> list[str]:
    """Candidates best first; ties keep the candidates' fixed order."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return [window.candidates[i] for i in order[:100]]


def evaluate(window: Window, method) -> dict[str, float]:
    return mean_metrics(
        [metrics(rank_by(window, method(window, r)), r.targets) for r in window.readers]
    )


def baselines(window: Window) -> dict[str, dict[str, float]]:
    from bench import recommend_methods as m

    out = {
        "random": evaluate(window, m.random_scores),
        "tfidf_centroid": evaluate(window, m.TfidfCentroid(window)),
    }
    if window.vectors is not None:  # not with --no-embeddings
        out["embedding_centroid"] = evaluate(window, m.embedding_centroid)
        out["nearest_library_paper"] = evaluate(window, m.nearest_library_paper)
    return out


def experiments(window: Window) -> dict[str, dict[str, float]]:
    """The ideas tried (docs/benchmarks.md): the product formula's knobs, a contrast with
    the window's mean, a category prior, multi-interest clusters, per-reader classifiers."""
    from bench import recommend_methods as m
    from bench.recommend_words import word_experiments

    if window.vectors is None:
        return _run(window, word_experiments(window))
    words = m.TfidfCentroid(window)
    tuned = {"item_half_life_days": None, "contrast": 0.3, "category_weight": 0.05}
    decay = {"contrast": 0.0, "category_weight": 0.0}  # the first version's knobs
    variants = {
        "first version (c=0.5,k=3,hl=180)": m.formula(item_half_life_days=180.0, **decay),
        "centroid only": m.formula(centroid_weight=1.0, item_half_life_days=180.0, **decay),
        "knn only k=3": m.formula(centroid_weight=0.0, item_half_life_days=180.0, **decay),
        "k=1": m.formula(knn=1, item_half_life_days=180.0, **decay),
        "k=5": m.formula(knn=5, item_half_life_days=180.0, **decay),
        "c=0.7": m.formula(centroid_weight=0.7, item_half_life_days=180.0, **decay),
        "c=0.3": m.formula(centroid_weight=0.3, item_half_life_days=180.0, **decay),
        "hl=60": m.formula(item_half_life_days=60.0, **decay),
        "hl=365": m.formula(item_half_life_days=365.0, **decay),
        "no decay": m.formula(item_half_life_days=None, **decay),
        "hl=180, contrast 0.3": m.formula(item_half_life_days=180.0, contrast=0.3),
        "hl=180, contrast 0.6": m.formula(item_half_life_days=180.0, contrast=0.6),
        "hl=180, category 0.05": m.formula(item_half_life_days=180.0, category_weight=0.05),
        "hl=180, category 0.1": m.formula(item_half_life_days=180.0, category_weight=0.1),
        "hl=180, category 0.2": m.formula(item_half_life_days=180.0, category_weight=0.2),
        "no decay, contrast 0.3": m.formula(item_half_life_days=None, contrast=0.3),
        "no decay, contrast 0.3, k=5": m.formula(knn=5, item_half_life_days=None, contrast=0.3),
        "product (no decay, contrast 0.3, category 0.05)": m.formula(**tuned),
        "multi-interest k-means 3": m.multi_interest(3),
        "classifier vs window": m.classifier("window"),
        "classifier vs others": m.classifier("others"),
        "product + tfidf over the whole window 1.0": m.hybrid(m.formula(**tuned), words, 1.0),
        "product + tfidf over the whole window 1.5": m.hybrid(m.formula(**tuned), words, 1.5),
        **word_experiments(window),
    }
    return _run(window, variants)


def _run(window: Window, variants: dict) -> dict[str, dict[str, float]]:
    out = {}
    for name, method in variants.items():
        started = time.perf_counter()
        out[name] = evaluate(window, method)
        print(f"# {name}: {out[name]} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return out


def product(window: Window, workdir: Path) -> dict[str, float]:
    """The product's ranker through for_you on a SQLite database of the window."""
    from bench.recommend_db import build_database, product_rankings

    url, members = build_database(window, workdir)
    ranked = product_rankings(window, url, workdir, members)
    return mean_metrics([metrics(ranked[r.name], r.targets) for r in window.readers])


def relative(product_row: dict[str, float], best: dict[str, float]) -> dict[str, str]:
    return {
        k: f"{(product_row[k] / best[k] - 1) * 100:+.1f}%" if best[k] else "n/a"
        for k in product_row
    }


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--speed" in argv:  # the speed benchmark (bench/recommend_speed.py) has its own flags
        from bench import recommend_speed

        return recommend_speed.main([a for a in argv if a != "--speed"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="run bench/recommend_speed.py")
    parser.add_argument("--cutoff", type=date.fromisoformat, default=date(2026, 5, 4))
    parser.add_argument("--days", type=int, choices=[1, 7, 30], default=7)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--max-library", type=int, default=20, help="newest papers kept")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--experiments", action="store_true", help="also score the ideas tried")
    parser.add_argument("--no-product", action="store_true", help="skip the database run")
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="embed nothing: word rankers only, the product with search by meaning off",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    window = build_window(
        args.cutoff, args.days, readers=args.readers, seed=args.seed, max_library=args.max_library
    )
    if not args.no_embeddings:
        embed_window(window)
    result: dict = {
        "embeddings": not args.no_embeddings,
        "cutoff": str(args.cutoff),
        "days": args.days,
        "readers": len(window.readers),
        "candidates": len(window.candidates),
        "mean_library": round(float(np.mean([len(r.library) for r in window.readers])), 1),
        "mean_targets": round(float(np.mean([len(r.targets) for r in window.readers])), 2),
        "baselines": baselines(window),
    }
    best = {
        k: max(b[k] for b in result["baselines"].values())
        for k in next(iter(result["baselines"].values()))
    }
    result["best_baseline"] = best
    if args.experiments:
        result["experiments"] = experiments(window)
    if not args.no_product:
        with tempfile.TemporaryDirectory(prefix="bench-recommend-") as tmp:
            result["product"] = product(window, Path(tmp))
        result["product_vs_best_baseline"] = relative(result["product"], best)
    result["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(result, indent=1))


def window_now(window: Window) -> datetime:
    """The clock of the product's run: one minute into the window's last listing day, so
    that its last ``days`` days are exactly the window's listing days."""
    last = window.end - timedelta(days=1)
    return datetime(last.year, last.month, last.day, 0, 1, tzinfo=UTC)


__all__ = ["Reader", "main", "metrics", "window_now"]

if __name__ == "__main__":
    main()
