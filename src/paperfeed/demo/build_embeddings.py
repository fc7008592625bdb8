"""Build the demo's precomputed embeddings (src/paperfeed/demo/embeddings.npz).

The demo papers are loaded into a throwaway SQLite database through the same importer as
``paperfeed demo`` and read back, so each embedded text is exactly what
``paperfeed index embed`` would embed after ``paperfeed demo``. Rerun it whenever
papers.jsonl.gz or the default model changes; it takes minutes on a CPU.

Run: python -m paperfeed.demo.build_embeddings [--out PATH] [--model NAME]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select
from tqdm import tqdm

from paperfeed.demo import PAPERS_FILE, load_papers
from paperfeed.demo.embeddings import ShippedEmbeddings, read_shipped, save_shipped
from paperfeed.embed.model import DEFAULT_MODEL, SentenceTransformerEmbedder, paper_text
from paperfeed.embed.store import text_hash
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.models import Paper

HERE = Path(__file__).resolve().parent
OUT = HERE / "embeddings.npz"
BATCH = 64


def demo_texts(workdir: Path) -> tuple[list[str], list[str]]:
    """``(arxiv_ids, texts)`` of the demo papers as the demo stores them, by arXiv id.

    Loads them the way ``paperfeed.cli.demo.load_demo`` does (same file, same importer, into
    a migrated database) and reads them back; tests/cli/test_demo_embeddings.py checks that
    every paper the demo loads matches the file.
    """
    engine = make_engine(f"sqlite:///{workdir}/demo.db")
    try:
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        with session_scope(sessions) as session:
            report = load_papers(session)
        if report.failed:
            raise SystemExit(f"{PAPERS_FILE}: {report.summary()}")
        with sessions() as session:
            rows = session.execute(
                select(Paper.arxiv_id, Paper.title, Paper.abstract).order_by(Paper.arxiv_id)
            ).all()
    finally:
        engine.dispose()
    return [r.arxiv_id for r in rows], [paper_text(r.title, r.abstract) for r in rows]


def build(out: Path, model: str, *, reuse: bool = True) -> ShippedEmbeddings:
    """Embed the demo papers into ``out``. With ``reuse``, a paper whose text (by hash) and
    model are those of the current file keeps its vector: only changed texts are embedded
    (issue 13 changed ~100 texts, when LaTeX became readable text, not 2,836)."""
    with tempfile.TemporaryDirectory(prefix="paperfeed-demo-") as tmp:
        arxiv_ids, texts = demo_texts(Path(tmp))
    hashes = [text_hash(t) for t in texts]
    old = read_shipped(out) if reuse and out.exists() else None
    known = {}
    if old is not None and old.model == model:
        known = {
            (a, h): i for i, (a, h) in enumerate(zip(old.arxiv_ids, old.text_hashes, strict=True))
        }
    todo = [i for i, key in enumerate(zip(arxiv_ids, hashes, strict=True)) if key not in known]
    vectors = np.zeros((len(texts), old.vectors.shape[1] if known else 0), dtype="<f2")
    if todo:
        embedder = SentenceTransformerEmbedder(model, device="cpu")
        if not known:
            vectors = np.zeros((len(texts), embedder.dim), dtype="<f2")
        with tqdm(total=len(todo), unit="paper", desc="embedding") as bar:
            for start in range(0, len(todo), BATCH):
                batch = todo[start : start + BATCH]
                vectors[batch] = embedder.encode([texts[i] for i in batch]).astype("<f2")
                bar.update(len(batch))
    for i, key in enumerate(zip(arxiv_ids, hashes, strict=True)):
        if key in known:
            vectors[i] = old.vectors[known[key]]
    shipped = ShippedEmbeddings(
        model=model, arxiv_ids=arxiv_ids, text_hashes=hashes, vectors=vectors
    )
    save_shipped(out, shipped)
    print(f"embedded {len(todo):,} papers, kept {len(texts) - len(todo):,} vectors")
    return shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"default: {DEFAULT_MODEL}")
    parser.add_argument(
        "--all", action="store_true", help="embed every paper again, even unchanged ones"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    started = time.perf_counter()
    shipped = build(args.out, args.model, reuse=not args.all)
    n, dim = shipped.vectors.shape
    print(
        f"{args.out}: {n:,} papers x {dim} ({shipped.model}), "
        f"{args.out.stat().st_size:,} bytes, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
