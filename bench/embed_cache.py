"""Embeddings of benchmark corpora, computed once and cached outside the repository.

Embedding the 74,728 arXiv papers takes about an hour on the 2 cores, so the vectors are
kept under ``$PAPERFEED_BENCH_CACHE`` (default ``~/.cache/paperfeed-bench``) as float16
``.npy`` chunks of 2,048 texts. A killed run keeps its finished chunks and the next run
continues from the first missing one. The cache key includes the model and a hash of the
texts, so a change to either never reuses stale vectors.

Fill the arXiv cache ahead of the scale benchmark (low priority, resumable):
    nice -n 19 .venv/bin/python -m bench.embed_cache arxiv
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from paperfeed.embed.model import DEFAULT_MODEL, get_embedder, paper_text

CHUNK = 2_048


def cache_root() -> Path:
    default = Path.home() / ".cache" / "paperfeed-bench"
    return Path(os.environ.get("PAPERFEED_BENCH_CACHE", default))


def _key(name: str, model: str, texts: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(model.encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return f"{name}-{digest.hexdigest()[:16]}"


def cached_embeddings(
    name: str, texts: list[str], model: str = DEFAULT_MODEL, *, progress: bool = True
) -> np.ndarray:
    """``(len(texts), dim)`` float32 unit vectors of ``texts`` under ``model``, from the cache
    where present; missing chunks are computed and saved one by one."""
    folder = cache_root() / _key(name, model, texts)
    folder.mkdir(parents=True, exist_ok=True)
    embedder = None
    chunks = []
    starts = range(0, len(texts), CHUNK)
    with tqdm(total=len(texts), disable=not progress, file=sys.stderr, desc=name) as bar:
        for start in starts:
            path = folder / f"{start:08d}.npy"
            if path.exists():
                chunk = np.load(path)
            else:
                embedder = embedder or get_embedder(model)
                chunk = embedder.encode(texts[start : start + CHUNK]).astype(np.float16)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, chunk)
                os.replace(tmp, path)
            chunks.append(chunk)
            bar.update(len(chunk))
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32)


def arxiv_texts() -> tuple[list[str], list[str]]:
    """arXiv ids and embedded texts of the 74,728 cs papers, cleaned as the ingest stores them."""
    from bench.common import arxiv_cs_records
    from paperfeed.ingest.records import PaperRecord

    ids, texts = [], []
    for record in arxiv_cs_records():
        if isinstance(record, PaperRecord):
            ids.append(record.arxiv_id)
            texts.append(paper_text(record.title, record.abstract))
    return ids, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["arxiv"])
    parser.parse_args()
    _ids, texts = arxiv_texts()
    started = time.perf_counter()
    vectors = cached_embeddings("arxiv-cs", texts)
    print(f"{len(vectors)} vectors in {time.perf_counter() - started:.0f} s -> {cache_root()}")


if __name__ == "__main__":
    main()
