"""Tuning experiments for search by meaning on SciFact, run by ``bench.relevance --experiments``.

Every variant is scored on the train split (809 claims) from the product's own two legs on
SQLite: the tantivy keyword backend and the usearch vector index, each asked for its best
``EXP_DEPTH`` hits once per query, so re-fusing costs nothing. Query vectors come from the
bench cache (the same model; float16-rounded). Stages run in order; each moves to its best
variant by train nDCG@10 only if the gain over the current one is significant (paired t over
the train queries >= ``MIN_T``). At the end the variants kept are scored once on dev. Nothing here changes the product: the title boost is varied
by swapping the backend's field table for the duration of a stage, and the pseudo-relevance
feedback variants build their second-pass queries here.

Stages (``STAGES``): first what the product's constants can change (title boost x RRF k x
keyword weight, then fusion depth); then what would need product code: a convex combination
of normalised scores instead of RRF (x title boost), stop words dropped from the keyword
query, Rocchio on the query vector, RM3 expansion of the keyword query (on top of a kept
Rocchio, if any). About 15 minutes on 2 busy cores.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np
import tantivy
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from bench.embed_cache import cached_embeddings
from bench.relevance import corpus_vectors
from bench.scifact import Corpus, load_qrels, load_queries, ndcg_at_k, recall_at_k
from paperfeed.search import tantivy_index
from paperfeed.search.base import Hit, SearchFilters
from paperfeed.search.fusion import reciprocal_rank_fusion, zscore_fusion
from paperfeed.search.query import parse_query
from paperfeed.service import search as service_search
from paperfeed.service.search import Fusion
from paperfeed.store.db import make_sessionmaker

EXP_DEPTH = 300  # hits asked of each leg per query
TOP = 100  # ranked list scored (Recall@100)
MIN_T = 2.0  # paired t over the train queries a change must reach to be kept (p ~ 0.05)
# tantivy's built-in English list is Lucene's 33 stop words.
LUCENE_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.stopword("english"))
    .build()
)
LONG_STOP = sorted(ENGLISH_STOP_WORDS)  # scikit-learn's 318 (Glasgow list)


@dataclass(frozen=True)
class Config:
    """One hybrid variant; the defaults are the product's current constants."""

    title_boost: float = tantivy_index.TITLE_BOOST
    k: float = Fusion().k
    keyword_weight: float = Fusion().keyword_weight / Fusion().semantic_weight
    depth: int = service_search.DEPTH
    # "rrf", "zscore" (the product's two), or "minmax" / "tmm": other normalisations
    fusion: str = str(Fusion().method)
    alpha: float = Fusion().keyword_weight / (Fusion().keyword_weight + Fusion().semantic_weight)
    stop: str = "none"  # stop words dropped from the keyword query: none | lucene | long
    rocchio: tuple = ()  # (source, docs, beta): q' = q + beta * mean(top docs' vectors)
    rm3: tuple = ()  # (source, docs, terms, lambda): keyword query expanded from top docs

    def label(self) -> dict:
        return {k: v for k, v in vars(self).items() if v != getattr(Config(), k)}


@dataclass
class Query:
    qid: str
    text: str
    vector: np.ndarray
    relevant: set[str]
    legs: dict = field(default_factory=dict)  # memo of first-pass legs by their key


class Lab:
    """The product's two legs on a loaded SQLite benchmark database, and scoring."""

    def __init__(self, db, corpus: Corpus):
        self.sessions = make_sessionmaker(db.engine)
        self.backend = db.backend
        self.index = db.vectors
        self.corpus = corpus
        self.doc_vectors = corpus_vectors(corpus)
        self._terms: dict[str, tuple[Counter, int]] | None = None

    def queries(self, split: str) -> list[Query]:
        texts = load_queries()
        ordered = sorted(texts, key=int)
        # Whitespace collapsed as SemanticSearch.query_vector does before embedding.
        claims = [" ".join(texts[q].split()) for q in ordered]
        vectors = cached_embeddings("scifact-queries", claims, progress=False)
        vector_of = dict(zip(ordered, vectors, strict=True))
        qrels = load_qrels(split)
        return [Query(q, texts[q], vector_of[q], qrels[q]) for q in sorted(qrels, key=int)]

    # -- the two legs, as the service calls them ---------------------------------------------

    def keyword(self, text: str, config: Config) -> list[Hit]:
        words = without_stop_words(parse_query(text).words, config.stop)
        with self.sessions() as session, title_boost(config.title_boost):
            return self.backend.search(
                session, parse_query(" ".join(words)), SearchFilters(), EXP_DEPTH, 0
            ).hits

    def semantic(self, vector: np.ndarray) -> list[Hit]:
        with self.sessions() as session:
            return self.index.search(session, vector, SearchFilters(), EXP_DEPTH)

    def weighted_keyword(self, weights: dict[str, float], boost: float) -> list[Hit]:
        """tantivy BM25 over analysed terms with per-term boosts (the RM3 second pass)."""
        schema = self.backend.schema
        clauses = []
        for term, weight in weights.items():
            fields = [
                (tantivy.Occur.Should, tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, "title", term), boost)),
                (tantivy.Occur.Should, tantivy.Query.term_query(schema, "abstract", term)),
            ]  # fmt: skip
            query = tantivy.Query.boost_query(tantivy.Query.boolean_query(fields), weight)
            clauses.append((tantivy.Occur.Should, query))
        searcher = self.backend._index.searcher()
        found = searcher.search(tantivy.Query.boolean_query(clauses), EXP_DEPTH)
        return [Hit(searcher.doc(a).get_first("arxiv_id"), s) for s, a in found.hits]

    def doc_terms(self, arxiv_id: str) -> tuple[Counter, int]:
        """Analysed terms of a paper (stop words out) and its length, for RM3."""
        if self._terms is None:
            analyzer = (
                tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.remove_long(40))
                .filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.custom_stopword(LONG_STOP))
                .filter(tantivy.Filter.stemmer("english"))
                .build()
            )
            self._terms = {}
            for r in self.corpus.records:
                tokens = analyzer.analyze(f"{r.title} {r.abstract}")
                useful = [t for t in tokens if len(t) > 1 and not t.isdigit()]
                self._terms[r.arxiv_id] = (Counter(useful), max(len(tokens), 1))
        return self._terms[arxiv_id]

    def legs(self, q: Query, config: Config) -> tuple[list[Hit], list[Hit]]:
        """Both legs at ``EXP_DEPTH``, second passes included, memoised on the query."""
        key = ("kw", config.title_boost, config.stop)
        if key not in q.legs:
            q.legs[key] = self.keyword(q.text, config)
        if "sem" not in q.legs:
            q.legs["sem"] = self.semantic(q.vector)
        keyword, semantic = q.legs[key], q.legs["sem"]
        if not (config.rocchio or config.rm3):
            return keyword, semantic
        if config not in q.legs:
            first = self.fuse(keyword, semantic, replace(config, rocchio=(), rm3=()))
            if config.rocchio:
                semantic = self.rocchio(q, semantic, first, *config.rocchio)
            if config.rm3:
                keyword = self.rm3(q, keyword, first, config, *config.rm3)
            q.legs[config] = (keyword, semantic)
        return q.legs[config]

    def ranking(self, q: Query, config: Config, mode: str = "hybrid") -> list[str]:
        keyword, semantic = self.legs(q, config)
        if mode == "keyword":
            return [h.arxiv_id for h in keyword]
        if mode == "semantic":
            return [h.arxiv_id for h in semantic]
        return self.fuse(keyword, semantic, config)

    @staticmethod
    def fuse(keyword: list[Hit], semantic: list[Hit], config: Config) -> list[str]:
        keyword, semantic = keyword[: config.depth], semantic[: config.depth]
        if config.fusion == "rrf":
            fused = reciprocal_rank_fusion(
                [[h.arxiv_id for h in keyword], [h.arxiv_id for h in semantic]],
                weights=[config.keyword_weight, 1.0],
                k=config.k,
            )
            return [a for a, _ in fused]
        if config.fusion == "zscore":
            fused = zscore_fusion(
                [
                    [(h.arxiv_id, h.score) for h in keyword],
                    [(h.arxiv_id, h.score) for h in semantic],
                ],
                weights=[config.alpha, 1 - config.alpha],
            )
            return [a for a, _ in fused]
        return convex(keyword, semantic, config.alpha, config.fusion)

    # -- pseudo-relevance feedback -----------------------------------------------------------

    def rocchio(self, q, semantic, first, source: str, docs: int, beta: float) -> list[Hit]:
        top = [h.arxiv_id for h in semantic][:docs] if source == "semantic" else first[:docs]
        centroid = np.mean([self.doc_vectors[a] for a in top], axis=0)
        return self.semantic(q.vector + beta * centroid)

    def rm3(self, q, keyword, first, config, source, docs, terms, lam) -> list[Hit]:
        if source == "keyword":
            top = keyword[:docs]
            total = sum(h.score for h in top) or 1.0
            weighted = [(h.arxiv_id, h.score / total) for h in top]
        else:
            weighted = [(a, 1.0 / len(first[:docs])) for a in first[:docs]]
        if not weighted:
            return keyword
        feedback: Counter = Counter()
        for arxiv_id, w in weighted:
            counts, length = self.doc_terms(arxiv_id)
            for term, tf in counts.items():
                feedback[term] += w * tf / length
        best = feedback.most_common(terms)
        norm = sum(p for _, p in best) or 1.0
        words = without_stop_words(parse_query(q.text).words, config.stop)
        original = list(dict.fromkeys(tantivy_index.EN_STEM.analyze(" ".join(words))))
        weights: Counter = Counter({t: lam / len(original) for t in original})
        for term, p in best:
            weights[term] += (1 - lam) * p / norm
        return self.weighted_keyword(dict(weights), config.title_boost)


def convex(keyword: list[Hit], semantic: list[Hit], alpha: float, norm: str) -> list[str]:
    """alpha * keyword + (1 - alpha) * semantic over scores normalised per list; a paper
    missing from a list gets that list's floor (adds nothing). The normalisations the product
    does not have (its z-score one is :func:`paperfeed.search.fusion.zscore_fusion`):

    ``minmax``: (s - min) / (max - min); ``tmm`` (theoretical min-max, Bruch et al. 2023):
    (s - lo) / (max - lo) with lo the score's lower bound, 0 for BM25 and -1 for cosine.
    """
    scores: dict[str, float] = {}
    for hits, weight, lo in ((keyword, alpha, 0.0), (semantic, 1 - alpha, -1.0)):
        if not hits:
            continue
        values = np.array([h.score for h in hits], dtype=np.float64)
        if norm == "minmax":
            span = values.max() - values.min()
            values = (values - values.min()) / span if span else np.ones_like(values)
        else:
            values = (values - lo) / max(values.max() - lo, 1e-9)
        floor = values.min() if norm != "tmm" else 0.0
        for h, v in zip(hits, values, strict=True):
            scores[h.arxiv_id] = scores.get(h.arxiv_id, 0.0) + weight * (v - floor)
    return sorted(scores, key=lambda a: -scores[a])


def without_stop_words(words: Sequence[str], stop: str) -> Sequence[str]:
    """``words`` less the ``stop`` list's stop words (all of them if nothing else is left)."""
    if stop == "none":
        return words
    if stop == "long":
        kept = [w for w in words if w not in ENGLISH_STOP_WORDS]
    else:
        kept = [w for w in words if LUCENE_ANALYZER.analyze(w)]
    return kept or words


@contextmanager
def title_boost(boost: float) -> Iterator[None]:
    """The tantivy backend's title boost set to ``boost`` for the block (bench only)."""
    saved = tantivy_index.TEXT_FIELDS
    tantivy_index.TEXT_FIELDS = tuple(
        (name, analyzer, boost if name == "title" else b) for name, analyzer, b in saved
    )
    try:
        yield
    finally:
        tantivy_index.TEXT_FIELDS = saved


# -- the stages ----------------------------------------------------------------------------

Stage = tuple[str, Callable[[Config], list[Config]], Sequence[str]]

STAGES: list[Stage] = [
    # What the product's constants can do: TITLE_BOOST, Fusion(k, keyword_weight), DEPTH.
    ("constants", lambda c: [replace(c, title_boost=b, k=k, keyword_weight=w)
        for b, k, w in product((0.5, 1.0, 1.25, 1.5, 2.0, 3.0), (5, 10, 20, 30, 60, 100),
                               (0.5, 0.75, 1.0, 1.25, 1.5, 2.0))], ("keyword", "hybrid")),
    ("depth", lambda c: [replace(c, depth=d) for d in (100, 200, 300)], ("hybrid",)),
    # What would need product code.
    ("convex", lambda c: [c] + [replace(c, title_boost=b, fusion=f, alpha=a)
        for b, f, a in product(sorted({0.5, 1.0, c.title_boost}), ("minmax", "zscore", "tmm"),
                               (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7))], ("hybrid",)),
    ("stop_words", lambda c: [replace(c, stop=s) for s in ("none", "lucene", "long")],
     ("keyword", "hybrid")),
    ("rocchio", lambda c: [c] + [replace(c, rocchio=r) for r in product(
        ("semantic", "hybrid"), (3, 5, 10), (0.25, 0.5, 1.0))], ("semantic", "hybrid")),
    ("rm3", lambda c: [c] + [replace(c, rm3=r) for r in product(
        ("keyword", "hybrid"), (5, 10), (10, 20), (0.5, 0.7))], ("keyword", "hybrid")),
]  # fmt: skip


def run_experiments(db, corpus: Corpus) -> Iterator[dict]:
    """JSON lines: every variant on train, each stage's kept one, then the kept ones on dev.

    A stage moves to its best variant (hybrid nDCG@10 on train) only if that beats the
    current one by a paired t of at least ``MIN_T`` over the train queries.
    """
    lab = Lab(db, corpus)
    train, dev = lab.queries("train"), lab.queries("dev")
    config = Config()
    kept = [("product defaults", config)]
    for stage, variants, modes in STAGES:
        results = []
        for variant in variants(config):
            line = {"stage": stage, "split": "train", "config": variant.label()}
            for mode in modes:
                line[mode], per_query = evaluate(lab, train, variant, mode)
            results.append((per_query, variant))
            yield line
        best, winner = max(results, key=lambda r: statistics.fmean(r[0]))
        current = next(p for p, v in results if v == config)  # every stage tries it too
        gain, t = paired_t(best, current)
        if t >= MIN_T:
            config = winner
        kept.append((stage, config))
        yield {
            "stage": stage,
            "best": winner.label(),
            "gain": round(gain, 4),
            "paired_t": round(t, 1),
            "kept": config.label(),
        }
    seen = set()
    for stage, variant in kept:
        if variant in seen:
            continue
        seen.add(variant)
        line = {"split": "dev", "after": stage, "config": variant.label()}
        for mode in ("keyword", "semantic", "hybrid"):
            line[mode], _ = evaluate(lab, dev, variant, mode)
        yield line


def evaluate(lab: Lab, queries: list[Query], config: Config, mode: str) -> tuple[dict, list]:
    """Mean nDCG@10 and Recall@100 of ``config`` in ``mode``, and the per-query nDCG@10."""
    ndcgs, recalls = [], []
    for q in queries:
        ranked = [lab.corpus.doc_of[a] for a in lab.ranking(q, config, mode)[:TOP]]
        ndcgs.append(ndcg_at_k(ranked, q.relevant, 10))
        recalls.append(recall_at_k(ranked, q.relevant, TOP))
    means = {
        "ndcg@10": round(statistics.fmean(ndcgs), 4),
        "recall@100": round(statistics.fmean(recalls), 4),
    }
    return means, ndcgs


def paired_t(new: list[float], old: list[float]) -> tuple[float, float]:
    """Mean per-query gain of ``new`` over ``old`` and its paired t statistic (0 if none)."""
    diffs = [a - b for a, b in zip(new, old, strict=True)]
    gain = statistics.fmean(diffs)
    spread = statistics.stdev(diffs)
    return gain, (gain / (spread / len(diffs) ** 0.5) if spread else 0.0)
