"""Follow the store's change sequence with a checkpoint: the generic half of every derived index.

``paper_changes`` gets a row on every paper write (see :class:`~paperfeed.store.models.PaperChange`).
A consumer (the tantivy keyword index now, the vector index later) stages the papers of a batch
of changes, commits its own storage, and only then records the last ``seq`` it applied. A crash
between the two commits replays that batch on the next run, so ``apply`` must be idempotent:
delete the papers' documents, re-add the ones that still exist and are visible.

A missing, unreadable or impossible checkpoint (ahead of the database) means the derived data
cannot be trusted: the consumer is reset and rebuilt from every paper. SQLite has one writer at
a time, so changes commit in ``seq`` order and reading ``seq > checkpoint`` never skips one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.store.models import Paper, PaperChange

logger = logging.getLogger(__name__)


class MemoryCheckpoint:
    """The seq an in-memory index (usearch_index.py) reflects; None means it must be rebuilt.

    ``run_consumer`` reads and advances it; the file checkpoint is written only on save.
    """

    def __init__(self) -> None:
        self.seq: int | None = None

    def read(self) -> int | None:
        return self.seq

    def write(self, seq: int) -> None:
        self.seq = seq

    def clear(self) -> None:
        self.seq = None


class CheckpointFile:
    """The last applied ``seq`` in a small JSON file, replaced atomically.

    ``version`` names the consumer's storage format: a checkpoint written by another version
    reads as missing, which forces a rebuild after an upgrade.
    """

    def __init__(self, path: Path, version: int):
        self.path = path
        self.version = version

    def read(self) -> int | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("unreadable checkpoint %s (%s): rebuilding", self.path, exc)
            return None
        seq = data.get("seq") if isinstance(data, dict) else None
        if data.get("version") != self.version or not isinstance(seq, int) or seq < 0:
            logger.warning(
                "checkpoint %s is from another version or invalid: rebuilding", self.path
            )
            return None
        return seq

    def write(self, seq: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"version": self.version, "seq": seq}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort: some filesystems refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_HEAD = select(func.max(PaperChange.seq))  # built once: that costs more than running it


def head_seq(session: Session) -> int:
    """The newest change in the store (0 when there is none)."""
    return session.connection().scalar(_HEAD) or 0


def changed_paper_ids(session: Session, after: int, limit: int) -> tuple[list[int], int]:
    """Distinct paper ids of the next ``limit`` changes after ``after``, and the last seq read."""
    rows = session.execute(
        select(PaperChange.seq, PaperChange.paper_id)
        .where(PaperChange.seq > after)
        .order_by(PaperChange.seq)
        .limit(limit)
    ).all()
    if not rows:
        return [], after
    return list(dict.fromkeys(pid for _seq, pid in rows)), rows[-1][0]


class ChangeConsumer(Protocol):
    """A derived index kept in step with the store."""

    checkpoint: CheckpointFile

    def reset(self) -> None:
        """Drop every document (staged; durable at the next ``commit``)."""

    def apply(self, session: Session, paper_ids: Sequence[int]) -> None:
        """Stage: delete these papers' documents, re-add those that exist and are not hidden."""

    def commit(self) -> None:
        """Make staged work durable. Called before the checkpoint is written."""


def run_consumer(
    consumer: ChangeConsumer,
    sessions: sessionmaker[Session],
    *,
    batch_size: int = 1_000,
    max_batches: int | None = None,
) -> int:
    """Bring ``consumer`` up to date; return how many papers it applied.

    ``max_batches`` bounds the work (a background catch-up does one batch and leaves the rest
    to the next call). A rebuild always runs to completion.
    """
    applied = 0
    with sessions() as session:
        head = head_seq(session)
        seq = consumer.checkpoint.read()
        if seq is None or seq > head:
            applied += _rebuild(consumer, session, batch_size)
            consumer.checkpoint.write(head)
            seq = head
    batches = 0
    while max_batches is None or batches < max_batches:
        with sessions() as session:
            ids, last = changed_paper_ids(session, seq, batch_size)
            if not ids:
                break
            consumer.apply(session, ids)
        consumer.commit()
        consumer.checkpoint.write(last)
        applied += len(ids)
        seq = last
        batches += 1
    return applied


def _rebuild(consumer: ChangeConsumer, session: Session, batch_size: int) -> int:
    """Re-add every paper. ``head`` was read in this same transaction, so any change made
    while this runs has a larger seq and is replayed afterwards."""
    logger.info("rebuilding %s from the store", type(consumer).__name__)
    consumer.reset()
    total = 0
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(Paper.id).where(Paper.id > last_id).order_by(Paper.id).limit(batch_size)
            )
        )
        if not ids:
            break
        consumer.apply(session, ids)
        session.expunge_all()  # keep memory flat over a whole-catalogue rebuild
        total += len(ids)
        last_id = ids[-1]
    consumer.commit()
    return total
