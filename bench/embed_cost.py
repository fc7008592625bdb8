"""Embedding cost: texts/s of cheaper ways to embed papers, and what each costs in quality.

Every option embeds the same fixed sample of real arXiv cs abstracts (title + abstract, as
the product embeds them) once per round, in rounds (A B C ... A B C ...), each timed run
inside ``cpu_quiet()``; a row reports the median texts/s over the rounds and the median of
the per-round ratio to the default, which is robust to other load on the shared machine.
Bulk throughput uses both cores (torch and ONNX Runtime on 2 threads), as a backfill does.
sentence-transformers already sorts texts by length before batching (``encode`` argsorts
by input length), and the ONNX embedder does the same, so no option pads short texts to
long ones.

Quality is BEIR SciFact dev (= BEIR test: 300 claims over 5,183 abstracts), semantic only,
exact cosine top 100 over the corpus (no ANN index: this compares embeddings alone), scored
with ``bench.scifact``'s nDCG@10 and Recall@100. "both" = documents and queries embedded by
the option; "docs only" = documents by the option, queries by the default model (a bulk
backfill: the server always embeds queries with its default embedder); cosine = mean cosine
to the default model's vector of the same text (on the corpus). Batch-size options and ONNX
fp32 compute the default's vectors (cosine 1.0000 on the sample) and are not re-scored.
Corpus vectors are cached per option under ``$PAPERFEED_BENCH_CACHE`` (bench/embed_cache.py);
the default's are the cache that bench/relevance.py uses. The first full run embeds the
corpus once per option (~50 min on the shared 2 cores), reruns take ~10 min. The static
(model2vec) options need ``pip install model2vec skeletoken`` and are skipped without.

Run:
    .venv/bin/python -m bench.embed_cost                       # everything
    .venv/bin/python -m bench.embed_cost --sample 512 --rounds 5
    .venv/bin/python -m bench.embed_cost --option default --option onnx-int8 --no-quality
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import cpu_quiet, machine
from bench.embed_cache import arxiv_texts, cache_root, cached_embeddings
from bench.relevance import corpus_vectors
from bench.scifact import load_corpus, load_qrels, load_queries, ndcg_at_k, recall_at_k
from paperfeed.embed.model import bundled_model_path, paper_text
from paperfeed.embed.onnx import OnnxEmbedder, export_onnx, onnx_model_path, quantize_onnx

Encode = Callable[[list[str]], np.ndarray]
THREADS = 2
DEPTH = 100


@dataclass(frozen=True)
class Option:
    name: str
    what: str
    build: Callable[[], Encode]
    same_model: bool = True  # approximates the default model: its vectors mix with the default's
    own_vectors: bool = True  # False: computes exactly the default's vectors (batch size only)


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# -- the options ---------------------------------------------------------------------------

_models: dict[str, object] = {}


def _sentence_transformer():
    if "st" not in _models:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(THREADS)
        _models["st"] = SentenceTransformer(str(bundled_model_path()), device="cpu")
    return _models["st"]


def torch_option(seq: int = 256, batch: int = 32, *, int8: bool = False) -> Callable[[], Encode]:
    def build() -> Encode:
        model = _sentence_transformer()
        if int8:
            import torch

            model = torch.ao.quantization.quantize_dynamic(
                copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
            )

        def encode(texts: list[str]) -> np.ndarray:
            model.max_seq_length = seq  # the shared model: set for every call
            return model.encode(
                texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False
            )

        return encode

    return build


def _onnx_dir() -> Path:
    return cache_root() / "embed-cost-onnx"


def onnx_option(kind: str, seq: int = 256) -> Callable[[], Encode]:
    """``kind``: fp32 (fused), int8 (per channel: the product's), int8-tensor (per tensor)."""

    def build() -> Encode:
        model_dir = bundled_model_path()
        if kind == "int8":
            path = onnx_model_path(model_dir, _onnx_dir(), int8=True)
        else:
            path = _onnx_dir() / f"{kind}.onnx"
            fp32 = _onnx_dir() / "fp32.onnx"
            if not fp32.exists():
                _onnx_dir().mkdir(parents=True, exist_ok=True)
                export_onnx(model_dir, fp32)
            if kind == "int8-tensor" and not path.exists():
                quantize_onnx(fp32, path, per_channel=False)
        embedder = OnnxEmbedder(path, model_dir, max_seq_length=seq, threads=THREADS)
        return embedder.encode

    return build


def static_option(pca_dims: int | None) -> Callable[[], Encode]:
    """model2vec distilled from the bundled model (vocabulary token embeddings, mean pooled).

    Needs ``pip install model2vec skeletoken`` (not ``model2vec[distill]``: that extra pins
    transformers < 5.4; distilling works with ours).
    """

    def build() -> Encode:
        from model2vec import StaticModel

        folder = cache_root() / f"embed-cost-model2vec-pca{pca_dims}"
        if not (folder / "config.json").exists():
            from model2vec.distill import distill

            distill(model_name=str(bundled_model_path()), pca_dims=pca_dims).save_pretrained(
                str(folder)
            )
        model = StaticModel.from_pretrained(str(folder))
        return lambda texts: unit(model.encode(texts, batch_size=1024))

    return build


OPTIONS = [
    Option("default", "torch fp32, 256 tokens, batch 32", torch_option()),
    Option("seq128", "torch fp32, 128 tokens", torch_option(seq=128)),
    Option("seq64", "torch fp32, 64 tokens", torch_option(seq=64)),
    Option("batch8", "torch fp32, batch 8", torch_option(batch=8), own_vectors=False),
    Option("batch128", "torch fp32, batch 128", torch_option(batch=128), own_vectors=False),
    Option("torch-int8", "torch dynamic int8 (Linear, per tensor)", torch_option(int8=True)),
    # Same vectors as the default to float precision (cosine 1.0000): not re-scored.
    Option("onnx-fp32", "ONNX Runtime fp32, BERT fusions", onnx_option("fp32"), own_vectors=False),
    Option("onnx-int8", "ONNX Runtime int8 per channel", onnx_option("int8")),
    Option("onnx-int8-tensor", "ONNX Runtime int8 per tensor", onnx_option("int8-tensor")),
    Option(
        "onnx-int8-seq128", "ONNX Runtime int8 per channel, 128 tokens", onnx_option("int8", 128)
    ),
    Option("static-pca256", "model2vec distilled, PCA 256 d", static_option(256), same_model=False),
    Option("static-384", "model2vec distilled, 384 d", static_option(None), same_model=False),
]


# -- throughput ----------------------------------------------------------------------------


def sample_texts(size: int) -> list[str]:
    _ids, texts = arxiv_texts()
    return random.Random(0).sample(texts, size)


def token_stats(texts: list[str]) -> dict:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()  # the file truncates at 128
    lengths = [len(e.ids) for e in tokenizer.encode_batch(texts)]
    return {
        "tokens_median": statistics.median(lengths),
        **{
            f"over_{n}_tokens": round(sum(x > n for x in lengths) / len(lengths), 3)
            for n in (64, 128, 256)
        },
    }


def throughput(options: list[Option], texts: list[str], rounds: int) -> dict[str, dict]:
    encoders = {}
    for option in list(options):  # build and warm up (untimed)
        try:
            encoders[option.name] = option.build()
        except ImportError as exc:  # model2vec[distill] is not a paperfeed dependency
            print(f"# skipped {option.name}: {exc}", flush=True)
            options.remove(option)
            continue
        encoders[option.name](texts[:8])
    seconds: dict[str, list[float]] = {o.name: [] for o in options}
    vectors: dict[str, np.ndarray] = {}
    for n in range(rounds):
        for option in options:
            with cpu_quiet():
                start = time.perf_counter()
                out = encoders[option.name](texts)
                seconds[option.name].append(time.perf_counter() - start)
            vectors.setdefault(option.name, unit(out))
        print(f"# round {n + 1}/{rounds} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    rows = {}
    base = seconds["default"]
    for option in options:
        times = seconds[option.name]
        rows[option.name] = {
            "texts_per_s": round(len(texts) / statistics.median(times), 1),
            "ratio": round(statistics.median(b / t for b, t in zip(base, times, strict=True)), 2),
            "rounds_s": [round(t, 1) for t in times],
        }
        if option.same_model:
            cosine = (vectors[option.name] * vectors["default"]).sum(axis=1)
            rows[option.name]["sample_cosine_mean"] = round(float(cosine.mean()), 4)
            rows[option.name]["sample_cosine_min"] = round(float(cosine.min()), 4)
    return rows


# -- quality -------------------------------------------------------------------------------


def option_vectors(name: str, texts: list[str], encode: Encode, chunk: int = 512) -> np.ndarray:
    """``encode(texts)`` cached in chunks (a killed run resumes) under the bench cache."""
    digest = hashlib.sha256(name.encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    folder = cache_root() / f"embed-cost-{name}-{digest.hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for start in range(0, len(texts), chunk):
        path = folder / f"{start:08d}.npy"
        if not path.exists():
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, unit(encode(texts[start : start + chunk])).astype(np.float16))
            os.replace(tmp, path)
        parts.append(np.load(path))
    return unit(np.concatenate(parts))


class SciFact:
    """The dev split with the default model's vectors (from the shared bench cache)."""

    def __init__(self):
        corpus = load_corpus()
        self.doc_ids = [corpus.doc_of[r.arxiv_id] for r in corpus.records]
        self.texts = [paper_text(r.title, r.abstract) for r in corpus.records]
        default = corpus_vectors(corpus)
        self.default_docs = unit(np.stack([default[r.arxiv_id] for r in corpus.records]))
        claims = load_queries()
        ordered = sorted(claims, key=int)
        # Whitespace collapsed as the search service does, so the relevance cache is reused.
        collapsed = {q: " ".join(claims[q].split()) for q in ordered}
        all_vectors = cached_embeddings(
            "scifact-queries", [collapsed[q] for q in ordered], progress=False
        )
        vector_of = dict(zip(ordered, all_vectors, strict=True))
        self.qrels = load_qrels("dev")
        self.query_ids = sorted(self.qrels, key=int)
        self.queries = [collapsed[q] for q in self.query_ids]
        self.default_queries = unit(np.stack([vector_of[q] for q in self.query_ids]))

    def score(self, docs: np.ndarray, queries: np.ndarray) -> dict:
        top = np.argsort(-(queries @ docs.T), axis=1)[:, :DEPTH]
        ndcgs, recalls = [], []
        for qid, row in zip(self.query_ids, top, strict=True):
            ranked = [self.doc_ids[i] for i in row]
            ndcgs.append(ndcg_at_k(ranked, self.qrels[qid], 10))
            recalls.append(recall_at_k(ranked, self.qrels[qid], DEPTH))
        return {
            "ndcg@10": round(statistics.fmean(ndcgs), 4),
            "recall@100": round(statistics.fmean(recalls), 4),
        }


def quality(option: Option, scifact: SciFact, encode: Encode) -> dict:
    if option.name == "default":
        docs, queries = scifact.default_docs, scifact.default_queries
    else:
        docs = option_vectors(f"scifact-{option.name}", scifact.texts, encode)
        queries = option_vectors(f"scifact-queries-{option.name}", scifact.queries, encode)
    row = {"both": scifact.score(docs, queries)}
    if option.same_model:
        row["docs_only"] = scifact.score(docs, scifact.default_queries)
        row["corpus_cosine_mean"] = round(
            float((docs * scifact.default_docs).sum(axis=1).mean()), 4
        )
    return row


# -- report --------------------------------------------------------------------------------


def summary(options: list[Option], rows: dict[str, dict]) -> str:
    def cell(row: dict, *keys, fmt="{:.3f}") -> str:
        for key in keys:
            row = row.get(key, {}) if isinstance(row, dict) else {}
        return fmt.format(row) if isinstance(row, int | float) else "-"

    lines = [
        "| option | what | texts/s | x default | nDCG@10 / R@100 (both) | nDCG@10 docs only | cosine |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for option in options:
        r = rows.get(option.name, {})
        both = f"{cell(r, 'both', 'ndcg@10')} / {cell(r, 'both', 'recall@100')}"
        docs_only = cell(r, "docs_only", "ndcg@10")
        cosine = cell(r, "corpus_cosine_mean", fmt="{:.4f}")
        if not option.own_vectors:  # the default's vectors: cosine on the timed sample
            both = docs_only = "= default"
            cosine = cell(r, "sample_cosine_mean", fmt="{:.4f}") + " (sample)"
        lines.append(
            f"| {option.name} | {option.what} | {cell(r, 'texts_per_s', fmt='{:.1f}')} "
            f"| {cell(r, 'ratio', fmt='{:.2f}')} | {both} | {docs_only} | {cosine} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Run:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    names = [o.name for o in OPTIONS]
    parser.add_argument("--option", choices=names, action="append", help="repeatable; default all")
    parser.add_argument("--sample", type=int, default=192, help="arXiv texts timed per run")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of every option")
    parser.add_argument("--no-quality", action="store_true", help="throughput only")
    args = parser.parse_args()
    wanted = set(args.option or names) | {"default"}  # ratios need the default
    options = [o for o in OPTIONS if o.name in wanted]
    texts = sample_texts(args.sample)
    print(f"# machine: {machine()}; {THREADS} threads", flush=True)
    print(json.dumps({"sample": len(texts), **token_stats(texts)}), flush=True)
    print(f"# load before: {os.getloadavg()}", flush=True)
    rows = throughput(options, texts, args.rounds)
    print(f"# load after throughput: {os.getloadavg()}", flush=True)
    for option in options:
        print(
            json.dumps({"option": option.name, "phase": "throughput", **rows[option.name]}),
            flush=True,
        )
    if not args.no_quality:
        scifact = SciFact()
        # The likely trade-offs first: a partial run still answers the question.
        order = ["default", "onnx-int8", "seq128", "onnx-int8-seq128", "static-pca256"]
        for option in sorted(options, key=lambda o: order.index(o.name) if o.name in order else 9):
            if option.own_vectors:
                found = quality(option, scifact, option.build())
                rows[option.name].update(found)
                print(json.dumps({"option": option.name, "phase": "scifact", **found}), flush=True)
        print(f"# load after quality: {os.getloadavg()}", flush=True)
    print(summary(options, rows))


if __name__ == "__main__":
    main()
