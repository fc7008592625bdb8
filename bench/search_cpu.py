"""Where a long-tail hybrid search's CPU goes, stage by stage, in process (issue 16, item 4).

The app is created as served (``create_app``, the response cache off) on a loaded database,
and each stage of ``/search?q=...&mode=hybrid`` is timed alone over the same new queries
(bench/load.py's: paper titles cut to 3-8 words), with ``time.process_time`` (every thread of
this process; other work on the shared machine counts for little):

- ``tokenize``: the query model's tokenizer on one query;
- ``embed 1``: the query model on one query (tokenizer included), as a lone search pays it;
- ``embed batch``: the same on ``--batch`` queries in one call, per query (what a search
  pays under load, when the micro-batcher groups the waiting queries);
- ``keyword leg``: the keyword backend's best 100, uncounted (as hybrid asks);
- ``vector leg``: the vector index's best 100 for a query vector, with its SQL check;
- ``graph only``: the same vectors' 100 nearest from the graph alone (no SQL);
- ``fusion``, ``views``: the two lists fused; the page's papers loaded as views;
- ``search()``: the whole service call (both legs, fusion, views), query vectors cached;
- ``request``: the whole page through the ASGI app (the model run again: new queries).

Run:  .venv/bin/python -m bench.search_cpu --database-url sqlite:///DB --index-dir DIR
      [--queries 200] [--batch 16]
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote_plus

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import text

import paperfeed
from bench.common import cpu_quiet, machine, median
from bench.member_overlay import call
from paperfeed.search.base import SearchFilters
from paperfeed.search.fusion import zscore_fusion
from paperfeed.search.query import parse_query
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine

BACKGROUND = ("paperfeed-warm", "paperfeed-similar")


def new_queries(url: str, n: int, seed: int) -> list[str]:
    from bench.search_scale import queries

    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT title FROM papers ORDER BY id")).all()
    engine.dispose()
    picked = random.Random(seed).sample(rows, n)
    return queries([SimpleNamespace(title=r.title) for r in picked], n)


def each(items, work) -> list[float]:
    """CPU ms of ``work(item)`` for every item."""
    out = []
    for item in items:
        started = time.process_time()
        work(item)
        out.append((time.process_time() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=16, help="queries per batched model call")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cpu-lock", action="store_true", help="do not take the bench lock")
    args = parser.parse_args()
    from paperfeed.app import create_app
    from paperfeed.service.papers import get_papers
    from paperfeed.service.search import search

    settings = Settings(
        database_url=args.database_url,
        index_dir=args.index_dir,
        response_cache_seconds=0,
        embed_after_ingest=False,
        _env_file=None,
    )
    # Distinct sets per stage that runs the model, so no stage reads the query cache.
    qs = new_queries(args.database_url, 3 * args.queries + 10, args.seed)
    warm, model_qs, page_qs = qs[:10], qs[10 : 10 + args.queries], qs[10 + args.queries :]
    print(f"code: {Path(paperfeed.__file__).parent}\nmachine: {machine()}")
    rows: list[tuple[str, list[float]]] = []
    with TestClient(create_app(settings)) as client:
        app = client.app
        for q in warm:
            client.portal.call(call, app, f"/search?q={quote_plus(q)}&mode=hybrid")
        while busy := [t for t in threading.enumerate() if t.name in BACKGROUND]:
            busy[0].join()
        quiet = nullcontext() if args.no_cpu_lock else cpu_quiet()
        quiet.__enter__()  # the timed part below; released when the app stops
        semantic, backend = app.state.semantic, app.state.search
        model = semantic.embedder
        encode = getattr(model, "_encode_now", model.encode)  # past the micro-batcher
        tokenizer = getattr(getattr(model, "_embedder", None), "_tokenizer", None)
        sessions = app.state.sessions
        filters = SearchFilters()
        if tokenizer is not None:
            rows.append(("tokenize", each(model_qs, lambda q: tokenizer.encode_batch([q]))))
        rows.append(("embed 1", each(model_qs, lambda q: encode([q]))))
        b = args.batch
        batches = [model_qs[i : i + b] for i in range(0, len(model_qs) - b + 1, b)]
        per = [ms / b for ms in each(batches, encode)]
        rows.append((f"embed batch of {b}, per query", per))
        vectors = {q: semantic.query_vector(q) for q in model_qs}
        with sessions() as session:
            parsed = {q: parse_query(q) for q in model_qs}
            kw = {}
            rows.append(
                (
                    "keyword leg (100)",
                    each(
                        model_qs,
                        lambda q: kw.__setitem__(
                            q, backend.search(session, parsed[q], filters, 100, 0, count=False)
                        ),
                    ),  # fmt: skip
                )
            )
            vec = {}
            rows.append(
                (
                    "vector leg (100, SQL check)",
                    each(
                        model_qs,
                        lambda q: vec.__setitem__(
                            q, semantic.index.search(session, vectors[q], filters, 100)
                        ),
                    ),  # fmt: skip
                )
            )
            if hasattr(semantic.index, "nearest_many"):
                # two rows a call, halved (main's nearest_many failed on one row before this branch)
                pair = [ms / 2 for ms in each(model_qs, lambda q: semantic.index.nearest_many(
                    session, np.stack([vectors[q], vectors[q]]), 110))]  # fmt: skip
                rows.append(("  graph only (100)", pair))
            fused = {}

            def fuse(q):
                lists = [[(h.arxiv_id, h.score) for h in kw[q].hits]]
                lists.append([(h.arxiv_id, h.score) for h in vec[q]])
                fused[q] = [a for a, _ in zscore_fusion(lists)]

            rows.append(("fusion", each(model_qs, fuse)))
            size = settings.page_size
            rows.append(
                (f"views ({size})", each(model_qs, lambda q: get_papers(session, fused[q][:size])))
            )
            rows.append(
                (
                    "search() (vector cached)",
                    each(
                        model_qs,
                        lambda q: search(session, backend, q, limit=size, semantic=semantic),
                    ),
                )
            )
        rows.append(
            (
                "request (new query)",
                each(
                    page_qs,
                    lambda q: client.portal.call(
                        call, app, f"/search?q={quote_plus(q)}&mode=hybrid"
                    ),
                ),
            )
        )
        quiet.__exit__(None, None, None)
    print(f"{len(model_qs)} queries; CPU ms per query: median / mean / p90")
    for name, ms in rows:
        ordered = sorted(ms)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"  {name:32s} {median(ms):7.2f} {sum(ms) / len(ms):7.2f} {p90:7.2f}")


if __name__ == "__main__":
    main()
