"""For-you speed at 1,000,000 papers (issue 15, item 8): ``python -m bench.recommend --speed``.

On the instance of :mod:`bench.recommend_scale` (built once, kept), one member with 500
library papers (in 4 collections, saved over two years), 50 follows (5 categories, 40
authors, 5 topics), 100 upvotes, 40 "more like this" / "not interested" and 300 papers seen
asks for the for-you list of the last 7 days (``for_you`` itself, as the page calls it, a new
session each time, nothing cached between calls: the vector index is opened once, as the
server does). Then the writes a card's buttons make, each in its own committed transaction
through the service function its route calls: save a paper (and unsave it), follow an author
(and unfollow), "more like this" (and undo it). Reported: p50 / p95 / p99 per operation.

Targets: for-you p50 <= 50 ms, p95 <= 150 ms; each write p50 <= 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, text

from bench.common import cpu_quiet, machine, median
from bench.recommend_scale import (
    LAST_DAY,
    NOW,
    catch_up_indexes,
    collection_row,
    follow_row,
    instance,
    member_row,
    recent_paper_ids,
)
from paperfeed.embed.model import DEFAULT_MODEL, use_one_thread_per_query
from paperfeed.library.collections import save_paper, unsave_paper
from paperfeed.library.feedback import clear_feedback, set_feedback
from paperfeed.library.follows import follow_author, unfollow
from paperfeed.recommend.for_you import for_you
from paperfeed.recommend.window_data import store_of
from paperfeed.service.votes import remove_upvote, upvote
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.library_models import (
    Collection,
    CollectionItem,
    Follow,
    PaperFeedback,
    PaperSeen,
    ReaderPrefs,
)
from paperfeed.store.models import Paper, PaperVote, User

READER = "speedreader"
HOME = ("cs.CL", "cs.LG", "cs.IR")
TOPICS = (
    ("retrieval augmented generation", "hybrid"),
    ("graph neural networks for molecules", "semantic"),
    ("speculative decoding", "keyword"),
    ("reinforcement learning from human feedback", "hybrid"),
    ("multilingual speech recognition", "semantic"),
)


def make_reader(engine, rng: np.random.Generator) -> int:
    """The measured member (made once per instance; the same on every run): its user id."""
    with engine.begin() as conn:
        found = conn.execute(select(User.id).where(User.username_key == READER)).scalar()
        if found is not None:
            return int(found)
        conn.execute(insert(User.__table__), [member_row(0, READER)])
        user_id = conn.execute(select(User.id).where(User.username_key == READER)).scalar()
        _reader_library(conn, user_id, rng)
        _reader_follows(conn, user_id, rng)
        _reader_signals(conn, user_id, rng)
        conn.execute(
            insert(ReaderPrefs.__table__),
            [{"user_id": user_id, "mix": 0.7, "days": 7, "hide_seen": False, "updated_at": NOW}],
        )
    return int(user_id)


def _reader_library(conn, user_id: int, rng) -> None:
    """500 papers: 400 real ones of the reader's categories from before the window, 100 older
    synthetic ones, in "Saved" and three named collections."""
    before = LAST_DAY - timedelta(days=8)
    real = [
        pid
        for pid, cats in conn.execute(
            select(Paper.id, Paper.categories).where(
                Paper.published_at < before, Paper.published_at > before - timedelta(days=400)
            )
        )
        if cats and cats[0] in HOME
    ]
    old = conn.execute(text("SELECT max(id) FROM papers")).scalar()
    papers = list(rng.choice(real, size=400, replace=False)) + list(
        rng.choice(np.arange(75_000, old + 1), size=100, replace=False)
    )
    names = [("Saved", True), ("Reading group", False), ("Thesis", False), ("Baselines", False)]
    conn.execute(
        insert(Collection.__table__),
        [collection_row(user_id, n, d, f"r{user_id}-{i}") for i, (n, d) in enumerate(names)],
    )
    ids = [
        c
        for (c,) in conn.execute(
            select(Collection.id).where(Collection.user_id == user_id).order_by(Collection.id)
        )
    ]
    rows = [
        {
            "collection_id": ids[0] if i < 300 else ids[1 + i % 3],
            "paper_id": int(p),
            "user_id": user_id,
            "note": "read again" if i % 10 == 0 else "",
            "tags": ["to-cite"] if i % 7 == 0 else [],
            "added_at": NOW - timedelta(days=int(rng.integers(1, 730))),
        }
        for i, p in enumerate(papers)
    ]
    conn.execute(insert(CollectionItem.__table__), rows)


def _reader_follows(conn, user_id: int, rng) -> None:
    """5 categories, 40 authors of recent papers, 5 topics."""
    recent = recent_paper_ids(conn, 60)
    names: list[str] = []
    for authors in conn.execute(
        select(Paper.authors).where(Paper.id.in_([int(p) for p in rng.choice(recent, 200)]))
    ).scalars():
        if authors and authors[0] not in names:
            names.append(authors[0])
    rows = [follow_row(user_id, "category", c, c) for c in (*HOME, "cs.AI", "cs.CV")]
    rows += [follow_row(user_id, "author", n.casefold(), n) for n in names[:40]]
    for query, mode in TOPICS:
        row = follow_row(user_id, "topic", f"{mode}:{query}", query, query)
        row["mode"] = mode
        rows.append(row)
    assert len(rows) == 50, len(rows)
    conn.execute(insert(Follow.__table__), rows)


def _reader_signals(conn, user_id: int, rng) -> None:
    """100 upvotes of the last 60 days, 20 "more" and 20 "not interested" in the window,
    300 papers of the window seen."""
    window = recent_paper_ids(conn, 7)
    recent = recent_paper_ids(conn, 60)
    ago = lambda: NOW - timedelta(seconds=int(rng.integers(60, 30 * 86_400)))  # noqa: E731
    voted = rng.choice(recent, size=100, replace=False)
    conn.execute(
        insert(PaperVote.__table__),
        [{"user_id": user_id, "paper_id": int(p), "created_at": ago()} for p in voted],
    )
    conn.execute(
        text(
            "UPDATE papers SET upvotes = upvotes + 1 WHERE id IN ({})".format(
                ",".join(str(int(p)) for p in voted)
            )
        )
    )
    picked = rng.choice(window, size=340, replace=False)
    conn.execute(
        insert(PaperFeedback.__table__),
        [
            {
                "user_id": user_id,
                "paper_id": int(p),
                "kind": "more" if i < 20 else "not_interested",
                "created_at": ago(),
            }
            for i, p in enumerate(picked[:40])
        ],
    )
    conn.execute(
        insert(PaperSeen.__table__),
        [{"user_id": user_id, "paper_id": int(p), "seen_at": ago()} for p in picked[40:]],
    )


# ---------------------------------------------------------------- timing


class StoredVectors:
    """What ``for_you`` is handed for ``vectors``. It reads only ``model`` (which stored
    embeddings to load) and never searches the index; the 1M instances carry no ANN index
    (an hour of both cores to build), so a search fails loudly instead of being mis-timed."""

    name = "stored"

    def __init__(self, model: str):
        self.model = model

    def search(self, *args, **kwargs):
        raise AssertionError("for_you searched the vector index: build one for this bench")

    def close(self) -> None:
        pass


def time_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def percentiles(ms: list[float]) -> dict:
    q = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": round(q[0], 1), "p95_ms": round(q[1], 1), "p99_ms": round(q[2], 1)}


def time_for_you(sessions, user_id: int, calls: int) -> tuple[dict, dict]:
    """``calls`` for-you pages (20 cards, the page's size), each in a new session; the
    percentiles and what the last list held."""
    vectors = StoredVectors(DEFAULT_MODEL)

    def once():
        with sessions() as session:
            return for_you(session, vectors, user_id=user_id, now=NOW, days=7, mix=0.7, limit=20)

    for _ in range(3):
        page = once()
    times, cpu = [], []
    for _ in range(calls):
        started, started_cpu = time.perf_counter(), time.process_time()
        page = once()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    shape = {
        "cpu_p50_ms": round(float(np.median(cpu)), 1),
        "candidates": page.total,
        "cold_start": page.cold_start,
        "reasons": sorted({item.reason.kind for item in page.items if item.reason}),
    }
    return percentiles(times), shape


def time_after_changes(sessions, user_id: int, calls: int) -> dict:
    """The list right after a data change: the window read whole (``cold``: what the first
    list after a restart, a new day or a large change costs; the kept windows dropped
    first) and after one vote on a window paper (``after_vote``: only that paper re-read)."""
    vectors = StoredVectors(DEFAULT_MODEL)

    def once():
        with sessions() as session:
            return for_you(session, vectors, user_id=user_id, now=NOW, days=7, mix=0.7, limit=20)

    with sessions() as session:
        store = store_of(session)
        voter = session.scalar(select(User.id).where(User.id != user_id).limit(1))
        had = set(session.scalars(select(PaperVote.paper_id).where(PaperVote.user_id == voter)))
        window = [int(p) for p in recent_paper_ids(session.connection(), 7) if p not in had]
        arxiv_ids = session.scalars(
            select(Paper.arxiv_id).where(Paper.id.in_(window[: max(1, calls // 2)]))
        ).all()
    cold, voted = [], []
    for _ in range(max(3, calls // 8)):
        store.states.clear()
        cold.append(time_ms(once))
    for arxiv_id in arxiv_ids:  # a vote, then its removal: the instance is left as it was
        for vote in (upvote, remove_upvote):
            with session_scope(sessions) as session:
                assert vote(session, voter, arxiv_id, now=NOW).changed
            voted.append(time_ms(once))
    return {"cold": percentiles(cold), "after_vote": percentiles(voted), "rebuilds": store.rebuilds}


def time_writes(sessions, user_id: int, rounds: int) -> dict:
    """Each write the cards' buttons make, then its undo, each its own committed transaction
    through the service function of its route; ``rounds`` different papers and authors."""
    with sessions() as session:
        window = recent_paper_ids(session.connection(), 7)
        rng = np.random.default_rng(17)
        picks = [int(p) for p in rng.choice(window, size=rounds, replace=False)]
        papers = session.execute(
            select(Paper.arxiv_id, Paper.authors).where(Paper.id.in_(picks))
        ).all()
    times: dict[str, list[float]] = {
        k: [] for k in ("save", "unsave", "follow", "unfollow", "feedback", "undo_feedback")
    }
    for arxiv_id, authors in papers:
        _write_round(sessions, user_id, arxiv_id, authors[-1] if authors else "A. Nobody", times)
    return {kind: percentiles(ms) for kind, ms in times.items()}


def _write_round(sessions, user_id: int, arxiv_id: str, name: str, times: dict) -> None:
    followed: list = []

    def write(kind: str, fn) -> None:
        def run():
            with session_scope(sessions) as session:
                fn(session)

        times[kind].append(time_ms(run))

    write("save", lambda s: save_paper(s, user_id, arxiv_id, now=NOW))
    write("unsave", lambda s: unsave_paper(s, user_id, arxiv_id, now=NOW))
    write("follow", lambda s: followed.append(follow_author(s, user_id, name, now=NOW)))
    write("unfollow", lambda s: unfollow(s, user_id, followed[-1].id))
    write("feedback", lambda s: set_feedback(s, user_id, arxiv_id, "more", now=NOW))
    write("undo_feedback", lambda s: clear_feedback(s, user_id, arxiv_id, now=NOW))


def measure(backend: str, url: str, calls: int, rounds: int) -> dict:
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)  # a kept instance may predate the newest migrations
    catch_up_indexes(engine)
    sessions = make_sessionmaker(engine)
    use_one_thread_per_query()  # torch and numpy's BLAS on one thread, as the server sets
    try:
        user_id = make_reader(engine, np.random.default_rng(23))
        with cpu_quiet():
            result = {"backend": backend, "load_avg": round(os.getloadavg()[0], 1)}
            result["for_you"], result["list"] = time_for_you(sessions, user_id, calls)
            result["changed"] = time_after_changes(sessions, user_id, calls)
            result["writes"] = time_writes(sessions, user_id, rounds)
            result["load_avg_after"] = round(os.getloadavg()[0], 1)
        return result
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--keep", type=Path, default=Path.home() / "scale-recommend")
    parser.add_argument("--runs", type=int, default=3, help="runs per backend, alternating")
    parser.add_argument("--calls", type=int, default=100, help="for-you lists per run")
    parser.add_argument("--rounds", type=int, default=30, help="writes of each kind per run")
    args = parser.parse_args(argv)
    print(f"# machine: {machine()}", flush=True)
    backends = args.backend or ["sqlite", "postgresql"]
    with ExitStack() as stack:
        urls = {b: stack.enter_context(instance(b, args.keep / b))[0] for b in backends}
        runs: dict[str, list[dict]] = {b: [] for b in backends}
        for n in range(args.runs):
            for b in backends:
                result = measure(b, urls[b], args.calls, args.rounds)
                result["run"] = n + 1
                runs[b].append(result)
                print(json.dumps(result), flush=True)
        for b in backends:
            print(json.dumps({"backend": b, "medians_of_runs": medians(runs[b])}), flush=True)


def medians(results: list[dict]) -> dict:
    """The median over runs of each figure."""
    out: dict = {"runs": len(results), "load_avg": median([r["load_avg"] for r in results])}
    for q in ("p50_ms", "p95_ms", "p99_ms"):
        out.setdefault("for_you", {})[q] = median([r["for_you"][q] for r in results])
    for when in ("cold", "after_vote"):
        for q in ("p50_ms", "p95_ms"):
            out.setdefault(when, {})[q] = median([r["changed"][when][q] for r in results])
    for kind in results[0]["writes"]:
        out.setdefault("writes", {})[kind] = median([r["writes"][kind]["p50_ms"] for r in results])
    return out
