"""Comment benchmark (issue 12, item 2): an uncached paper page under 200 long comments.

One paper with 200 comments written through the comment service: 180 realistic long
Markdown comments (2,000-9,000 characters: paragraphs with links and emphasis, lists, code
blocks, tables, quotes; every fourth a reply) and 20 hostile ones (``![`` x 5,000, the
shape of the attack run). Then the paper page and the comments API are fetched in process
(TestClient, the response cache off, so every request renders) ``--runs`` times each; the
median, fastest and slowest are printed, with the time to write one comment.

Run against any checkout, e.g. the commit before a change:
  git worktree add /tmp/before <commit>
  PYTHONPATH=/tmp/before/src:. .venv/bin/python -m bench.comments
  .venv/bin/python -m bench.comments
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

import paperfeed
from bench.common import cpu_quiet, machine, median
from paperfeed.accounts import users
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service import comments
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
PAPER = "2611.00001"
HOSTILE = "![" * 5_000
WORDS = (
    "the model attention layer training data loss we results baseline ablation scaling "
    "tokens benchmark evaluation retrieval reasoning gradient optimizer warmup figure table "
    "appendix claim variance seeds compute budget downstream fine-tuning pretraining"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    n = rng.randrange(len(words))
    if rng.random() < 0.3:
        words[n] = f"[{words[n]}](https://arxiv.org/abs/2406.{rng.randint(10000, 99999)})"
    elif rng.random() < 0.3:
        mark = rng.choice(["**", "*", "`"])
        words[n] = mark + words[n] + mark
    return " ".join(words).capitalize() + "."


def long_comment(rng: random.Random) -> str:
    """Realistic review-style Markdown of 2,000-9,000 characters."""
    target = rng.randint(2_000, 9_000)
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < target:
        kind = rng.random()
        if kind < 0.55:
            parts.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 6))))
        elif kind < 0.7:
            parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 5))))
        elif kind < 0.8:
            rows = "\n".join(
                f"| {rng.choice(WORDS)} | {rng.random():.3f} | {rng.random():.3f} |"
                for _ in range(rng.randint(2, 6))
            )
            parts.append("| setting | ours | baseline |\n|---|---:|---:|\n" + rows)
        elif kind < 0.9:
            code = "\n".join(f"x{n} = model(batch[{n}])  # {rng.choice(WORDS)}" for n in range(6))
            parts.append(f"```python\n{code}\n```")
        else:
            parts.append("> " + sentence(rng))
    return "\n\n".join(parts)[: comments.MAX_BODY]


def build(url: str, count: int, hostile: int) -> tuple[float, int]:
    """The paper and its comments; returns the median seconds to write one, and the total
    characters written."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    record = PaperRecord.build(
        arxiv_id=PAPER,
        title="A paper with a long discussion",
        abstract="About it.",
        authors=("Ada Lovelace",),
        published_at=NOW,
        feed_day=date(2026, 11, 20),
    )
    with session_scope(sessions) as s:
        upsert_records(s, [record], source="bench", now=NOW)
    with session_scope(sessions) as s:
        made = users.sign_up(
            s,
            username="ada",
            email="ada@example.org",
            password="a long bench password",
            now=NOW,
            confirm_ttl=timedelta(hours=48),
        )
        author = users.confirm_email(s, made.token, now=NOW)
    rng = random.Random(12)
    bodies = [long_comment(rng) for _ in range(count - hostile)]
    for n in range(hostile):  # spread through the thread, as an attacker posting now and then
        bodies.insert(n * (count // max(hostile, 1)), HOSTILE)
    writes: list[float] = []
    last_top: int | None = None
    for n, body in enumerate(bodies):
        parent = last_top if n % 4 == 3 and body != HOSTILE else None
        started = time.perf_counter()
        with session_scope(sessions) as s:
            view = comments.add_comment(s, PAPER, author, body, now=NOW, parent_id=parent)
        writes.append(time.perf_counter() - started)
        if parent is None:
            last_top = view.id
    engine.dispose()
    return median(writes), sum(len(b) for b in bodies)


# One render of each shape at the length cap: the hostile ones of the attack run and its
# variants, and the costliest linear shapes found (emphasis and table soups), against prose.
SHAPES = {
    "prose": ("the model improves on the baseline by two points. " * 200)[: comments.MAX_BODY],
    "![ x 5,000": HOSTILE,
    "[ x 19 + ! x 9,981": "[" * 19 + "!" * (comments.MAX_BODY - 19),
    "[ x 19 + * x 9,981": "[" * 19 + "*" * (comments.MAX_BODY - 19),
    "[`]` + ! x 96, x 100": ("[`]`" + "!" * 96) * 100,
    "[[ + ! x 9,998": "[[" + "!" * (comments.MAX_BODY - 2),
    "~* x 5,000": "~*" * 5_000,
    "**a* x 2,500": "**a*" * 2_500,
    "table soup": ("|a" * 50 + "|\n" + "|-" * 50 + "|\n" + ("|a" * 50 + "|\n") * 99)[
        : comments.MAX_BODY
    ],
}


def render_sweep(repeats: int = 5) -> None:
    from paperfeed.service.markdown import render_markdown

    print(f"| shape (10,000 characters) | one render, fastest of {repeats} | CPU, fastest |")
    print("|---|---|---|")
    for name, source in SHAPES.items():
        best = best_cpu = float("inf")
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            render_markdown(source)
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - started_cpu)
        print(f"| `{name}` | {best * 1000:.1f} ms | {best_cpu * 1000:.1f} ms |")


def timed(client: TestClient, path: str, runs: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU seconds (this process's, so other work on the machine counts less)
    of each request, and the response's size."""
    first = client.get(path)  # warm: templates compiled, connections open
    assert first.status_code == 200, (path, first.status_code)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        r = client.get(path)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert r.status_code == 200
    return wall, cpu, len(first.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--hostile", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from paperfeed.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'comments.db'}"
        write_s, chars = build(url, args.comments, args.hostile)
        settings = Settings(
            database_url=url,
            index_dir=Path(tmp) / "index",
            response_cache_seconds=0,
            semantic_search=False,
            embed_after_ingest=False,
            _env_file=None,
        )
        print(f"code: {Path(paperfeed.__file__).parent}")
        print(f"machine: {machine()}")
        print(
            f"{args.comments} comments ({args.hostile} hostile), {chars:,} characters; "
            f"median write {write_s * 1000:.1f} ms"
        )
        print("| request | median | fastest | slowest | median CPU | response |")
        print("|---|---|---|---|---|---|")
        with TestClient(create_app(settings)) as client, cpu_quiet():
            paths = (
                f"/papers/{PAPER}",
                f"/papers/{PAPER}?comments_page=3",  # the last page (older code: everything)
                f"/api/papers/{PAPER}/comments",
            )
            for path in paths:
                times, cpu, size = timed(client, path, args.runs)
                print(
                    f"| `GET {path}` | **{median(times) * 1000:.0f} ms** | "
                    f"{min(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms | "
                    f"{median(cpu) * 1000:.0f} ms | {size / 1e6:.2f} MB |"
                )
            render_sweep()


if __name__ == "__main__":
    main()
