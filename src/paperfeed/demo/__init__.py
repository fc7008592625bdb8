"""The bundled demo dataset: 2,836 real 2024 Daily Papers (SOURCE.md) and their embeddings."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

from sqlalchemy.orm import Session

from paperfeed.ingest.jsonl import iter_file_lines, parse_jsonl
from paperfeed.ingest.records import IngestReport
from paperfeed.ingest.upsert import upsert_records

PAPERS_FILE = files("paperfeed.demo") / "papers.jsonl.gz"


def load_papers(session: Session) -> IngestReport:
    """Upsert every demo paper in ``session`` (no commit); the demo CLI and the script that
    builds the shipped embeddings load them the same way."""
    return upsert_records(
        session,
        parse_jsonl(iter_file_lines(str(PAPERS_FILE))),
        source="demo",
        now=datetime.now(UTC),
    )
