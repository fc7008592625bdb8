"""The embedded vector index: a usearch HNSW index per model, derived from the store by change seq.

usearch was chosen by measurement (docs/vector-index.md): float16 storage keeps 1M x 384
vectors at about 1.0 GB of memory, and it removes single vectors, which a change consumer
needs. The folder, its file format and its lock are :mod:`paperfeed.search.usearch_file`.

Every process (web workers, the CLI) loads the file when it opens the index and then keeps
its own copy in memory, with its own applied seq. A search never applies changes: in the web
process a background :class:`~paperfeed.search.catch_up.IndexCatchUp` applies them in memory
(:meth:`UsearchVectorIndex.apply_pending_batch`); a full :meth:`UsearchVectorIndex.sync`
(``paperfeed index sync``, after ingest and embedding rounds, at server start) also saves
the file, under the folder's lock. A process that finds the lock taken skips saving; its
memory is still right. A crash between the file's rename and its checkpoint only replays a
batch (``apply`` is idempotent).

Hidden and deleted papers are dropped at the next change they cause, and every hit is
checked in SQL before it is returned (:mod:`paperfeed.search.vector_filters`), so one hidden
or deleted since then is never served either.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import LargeBinary, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.search.base import Hit, SearchFilters, query_vector
from paperfeed.search.catch_up import IndexCatchUp
from paperfeed.search.changes import CheckpointFile, MemoryCheckpoint, head_seq, run_consumer
from paperfeed.search.usearch_file import (
    EXPANSION_SEARCH,
    FORMAT_VERSION,
    Index,
    folder_lock,
    new_index,
    read_index,
    unit_rows,
    write_index,
)
from paperfeed.search.vector_filters import (
    ID_CHUNK,
    authors_match,
    filter_clauses,
    filtered_ids,
    of_model,
    visible_ids,
)
from paperfeed.store.models import Paper, PaperEmbedding

logger = logging.getLogger(__name__)

EXACT_MAX = 20_000  # filtered sets up to this size may be ranked exactly from stored vectors
EXACT_BIAS = 4  # ...if at most sqrt(EXACT_BIAS * limit * vectors): see ``search``
OVERFETCH = 4  # ANN candidates per wanted hit when filters are set, widened x4 while short
MAX_FETCH = 50_000  # widest ANN search; beyond it the filtered papers are ranked exactly
APPLY_CHUNK = 64  # vectors changed per hold of the lock searches take: they wait a few ms
MANY_PER_HOLD = 4  # rows of a batched graph search per hold of the lock (~2-12 ms at 75k)
CATCH_UP_BATCH = 256  # changes per background catch-up batch (well under a second)


class UsearchVectorIndex:
    """Nearest papers under one embedding model: a ``VectorIndex`` and a change consumer.

    Thread-safe: searches and in-memory changes share a lock held for a few ms at a time;
    syncs are serialised by a second lock and never block searches for long.
    """

    name = "usearch"

    def __init__(self, path: Path, sessions: sessionmaker[Session], model: str):
        self.path = Path(path)
        self.sessions = sessions
        self.model = model
        self.file = self.path / "index.usearch"
        self.file_checkpoint = CheckpointFile(self.path / "checkpoint.json", FORMAT_VERSION)
        self.checkpoint = MemoryCheckpoint()
        self.rebuilds = 0  # how many times this object rebuilt from the store (tests, logs)
        self._index: Index | None = None  # None: no vector yet (or closed)
        self._staging: Index | None = None  # a rebuild in progress, swapped in at commit
        self._rebuilding = False
        self._file_stale = False  # the file must be rewritten even at an equal seq
        self._lock = threading.Lock()  # the live index
        self._sync_lock = threading.RLock()  # one sync at a time in this process
        # The background catch-up serving this index (paperfeed.search.catch_up), if any.
        self.catch_up: IndexCatchUp | None = None
        self.path.mkdir(parents=True, exist_ok=True)
        self._load_newer_file()

    # -- files ------------------------------------------------------------------------------

    def _load_newer_file(self, head: int | None = None) -> bool:
        """Replace the in-memory index by the saved one if the file reflects a later seq (but
        not one past ``head``, the store's newest change: such a file cannot be trusted)."""
        seq = self.file_checkpoint.read()  # before the index file: never newer than it
        if seq is None or (self.checkpoint.seq is not None and seq <= self.checkpoint.seq):
            return False
        if head is not None and seq > head:
            return False
        loaded = read_index(self.file)
        if loaded is None:
            self._file_stale = True
            return False
        with self._lock:
            self._index = loaded if len(loaded) else None
        self.checkpoint.seq = seq
        logger.info("vector index %s loaded: %d vectors at seq %d", self.file, len(loaded), seq)
        return True

    def save(self) -> bool:
        """Write the in-memory index and its seq to the folder. False if another process
        holds the lock (skipped: this process's index is still right)."""
        with self._sync_lock, folder_lock(self.path, wait=False) as locked:
            if not locked:
                logger.info("vector index %s locked by another process: not saved", self.path)
                return False
            self._save_locked()
            return True

    def _save_locked(self) -> None:
        seq = self.checkpoint.seq
        if seq is None:
            return
        on_disk = self.file_checkpoint.read()
        if on_disk is not None and on_disk >= seq and not self._file_stale:
            return  # the file is sound and as new or newer: nothing to write
        index = self._index or new_index(1)
        write_index(index, self.file)  # readers only; changes wait for the sync lock we hold
        self.file_checkpoint.write(seq)
        self._file_stale = False
        logger.info("vector index %s saved: %d vectors at seq %d", self.file, len(index), seq)

    # -- syncing (ChangeConsumer) -----------------------------------------------------------

    def sync(
        self,
        *,
        max_batches: int | None = None,
        batch_size: int = 1_000,
        rebuild: bool = False,
        save: bool = True,
        wait: bool = True,
    ) -> int:
        """Apply pending changes (all, or ``max_batches`` of ``batch_size``); return how many
        papers were applied.

        ``save`` writes the file afterwards (skipped if another process holds the lock).
        ``rebuild`` starts from every paper in the store. Returns 0 at once if ``wait`` is
        false and another thread of this process is syncing.
        """
        if not self._sync_lock.acquire(blocking=wait):
            return 0
        try:
            if rebuild:
                self.checkpoint.clear()
            else:
                self._check_store()
            if self.checkpoint.seq is None and save:
                # Rebuild holding the file lock: other processes about to rebuild wait here,
                # then load the file instead of repeating the work.
                with folder_lock(self.path, wait=True):
                    if not rebuild:
                        self._check_store()
                    applied = run_consumer(
                        self, self.sessions, batch_size=batch_size, max_batches=max_batches
                    )
                    self._save_locked()
                return applied
            applied = run_consumer(
                self, self.sessions, batch_size=batch_size, max_batches=max_batches
            )
            if save:
                self.save()
            return applied
        finally:
            if self._rebuilding:  # a rebuild failed: keep serving the index as it was
                self._rebuilding = False
                self._staging = None
            self._sync_lock.release()

    def _check_store(self) -> None:
        """Load a newer file if another process saved one; force a rebuild if the store's
        vectors of this model have another dimension than the index."""
        with self.sessions() as session:
            head = head_seq(session)
            dim = session.scalar(
                select(PaperEmbedding.dim).where(PaperEmbedding.model == self.model).limit(1)
            )
        self._load_newer_file(head)
        index = self._index
        if dim is not None and index is not None and index.ndim != dim:
            logger.warning("vector index has %d dimensions, store %d: rebuilding", index.ndim, dim)
            self.checkpoint.clear()

    def reset(self) -> None:
        self.rebuilds += 1
        self._rebuilding = True
        self._staging = None
        self._file_stale = True

    def apply(self, session: Session, paper_ids: Sequence[int]) -> None:
        rows = session.execute(
            select(PaperEmbedding.paper_id, PaperEmbedding.vector)
            .join(Paper, Paper.id == PaperEmbedding.paper_id)
            .where(
                PaperEmbedding.paper_id.in_(paper_ids),
                PaperEmbedding.model == self.model,
                Paper.hidden.is_(False),
            )
        ).all()
        target = self._staging if self._rebuilding else self._index
        ndim = target.ndim if target is not None else (len(rows[0].vector) if rows else 0)
        vectors = {pid: vec for pid, vec in rows if len(vec) == ndim}
        if len(vectors) < len(rows):
            logger.warning("vectors of another dimension skipped; the next sync rebuilds")
        if self._rebuilding:
            if vectors:  # the staging index is not searched yet: add in one go, all cores
                if self._staging is None:
                    self._staging = new_index(ndim)
                keys = np.fromiter(vectors, dtype=np.uint64, count=len(vectors))
                self._staging.remove(keys)
                self._staging.add(keys, unit_rows(np.stack(list(vectors.values()))), threads=0)
            return
        for start in range(0, len(paper_ids), APPLY_CHUNK):
            # Small chunks, each removed and re-added under one hold of the lock, so a
            # search waits a few ms at most and never sees a changed paper missing.
            chunk = list(paper_ids[start : start + APPLY_CHUNK])
            add = [pid for pid in chunk if pid in vectors]
            with self._lock:
                if self._index is None:
                    if not add:
                        continue
                    self._index = new_index(ndim)
                self._index.remove(np.asarray(chunk, dtype=np.uint64))
                if add:
                    batch = unit_rows(np.stack([vectors[pid] for pid in add]))
                    self._index.add(np.asarray(add, dtype=np.uint64), batch, threads=1)

    def commit(self) -> None:
        if self._rebuilding:
            with self._lock:
                self._index = self._staging
            self._staging = None
            self._rebuilding = False

    def is_behind(self, head: int) -> bool:
        """Whether this process's index lacks changes up to ``head`` or must be rebuilt."""
        seq = self.checkpoint.seq
        return seq is None or seq < head

    def apply_pending_batch(self) -> int:
        """One batch of pending changes, in memory only and never waiting for a sync running
        in another thread (the background catch-up's step); papers applied."""
        return self.sync(max_batches=1, batch_size=CATCH_UP_BATCH, save=False, wait=False)

    def __len__(self) -> int:
        index = self._index
        return len(index) if index is not None else 0

    # -- searching (VectorIndex) --------------------------------------------------------------

    def search(
        self,
        session: Session,
        vector: np.ndarray,
        filters: SearchFilters,
        limit: int,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        query = query_vector(vector)
        if limit <= 0:
            return []
        self._await_changes(session)
        query = unit_rows(query)
        clauses = filter_clauses(filters)
        if clauses:
            # Ranking n papers exactly costs about n SQL rows; the graph search costs about
            # limit / (n / size) candidates checked in SQL. Exact wins below the square root.
            cap = min(EXACT_MAX, int(math.sqrt(EXACT_BIAS * (limit + len(exclude)) * len(self))))
            ids = filtered_ids(session, self.model, clauses, cap)
            if ids is not None:
                return self._exact(session, query, filters.author, ids, limit, exclude)
        return self._approximate(session, query, filters, clauses, limit, exclude)

    def _await_changes(self, session: Session) -> bool:
        """Reads never write: a search applies no change itself (see catch_up.py). If the
        store is ahead, the background catch-up is asked for the changes, and waited for
        a bounded time, so a paper written a moment ago is found. Whether it has them."""
        head = head_seq(session)
        seq = self.checkpoint.seq
        if seq is not None and seq > head:
            # A file of another database (a restored backup): its keys name other papers.
            # Only marked here; the catch-up thread rebuilds, and this search waits for it.
            logger.warning("vector index %s is ahead of the database: rebuilding", self.path)
            self.checkpoint.clear()
        return not self.is_behind(head) or IndexCatchUp.of(self).wait_for(self, head)

    def _exact(self, session, query, author, ids, limit, exclude) -> list[Hit]:
        """Cosine over the stored vectors of the papers ``ids`` (few of them)."""
        columns = [Paper.arxiv_id, type_coerce(PaperEmbedding.vector, LargeBinary)]
        if author:
            columns.append(Paper.authors)
        rows = []
        for start in range(0, len(ids), ID_CHUNK):
            rows += session.execute(
                select(*columns)
                .join(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
                .where(
                    Paper.id.in_(ids[start : start + ID_CHUNK]),
                    Paper.hidden.is_(False),
                    of_model(self.model),
                )
            ).all()
        width = 2 * len(query)  # float16 bytes, as HalfVector stores them on SQLite
        rows = [
            r
            for r in rows
            if r[0] not in exclude
            and len(r[1]) == width
            and (not author or authors_match(r[2], author))
        ]
        if not rows:
            return []
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(len(rows), -1)
        sims = unit_rows(vectors) @ query
        top = np.argsort(-sims, kind="stable")[:limit]
        return [Hit(rows[i][0], float(sims[i])) for i in top]

    def _approximate(self, session, query, filters, clauses, limit, exclude) -> list[Hit]:
        """Nearest neighbours from the graph, checked in SQL; widened while too few pass, up
        to ``MAX_FETCH`` candidates, after which the filtered papers are ranked exactly."""
        with self._lock:
            size = len(self._index) if self._index is not None else 0
            ndim = self._index.ndim if self._index is not None else 0
        if size == 0 or ndim != len(query):
            return []
        fetch = min(size, (limit * OVERFETCH if clauses else limit) + len(exclude) + 10)
        checked: dict[int, str | None] = {}
        while True:
            found, sims = self._nearest(query, fetch)
            keys = found.tolist()  # Python ints and floats: numpy scalars cost ~1 us each
            unseen = [k for k in keys if k not in checked]
            checked.update(dict.fromkeys(unseen))
            checked.update(visible_ids(session, unseen, clauses, filters.author))
            hits = [
                Hit(arxiv_id, s)
                for k, s in zip(keys, sims.tolist(), strict=True)
                if (arxiv_id := checked.get(k)) is not None and arxiv_id not in exclude
            ]
            if len(hits) >= limit or fetch >= size:
                return hits[:limit]
            if fetch >= MAX_FETCH:  # a filter few of the nearest papers pass
                ids = filtered_ids(session, self.model, clauses, None) or []
                return self._exact(session, query, filters.author, ids, limit, exclude)
            fetch = min(size, fetch * 4, MAX_FETCH)

    def _nearest(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._graph(query, count)
        if found is None:
            return np.empty(0, np.uint64), np.empty(0, np.float32)
        return found.keys, 1.0 - found.distances

    def nearest_many(
        self, session: Session, vectors: np.ndarray, count: int
    ) -> list[np.ndarray] | None:
        """Keys (paper ids; hidden ones too) of the ``count`` nearest to each row of
        ``vectors``, searched as :meth:`search` (similar papers ahead); None while the index
        lacks changes up to ``session``'s view (a list from it could miss papers embedded
        before that view, and no later change would correct it). A few rows per hold of the
        lock searches take: 64 at ef 512 on 75k papers held it ~200 ms."""
        if not self._await_changes(session):
            return None
        vectors, out = unit_rows(vectors), []
        for at in range(0, len(vectors), MANY_PER_HOLD):
            found = self._graph(rows := vectors[at : at + MANY_PER_HOLD], count)
            if found is None:
                return [np.empty(0, np.uint64) for _ in vectors]
            if len(rows) == 1:  # usearch answers one query row with a Matches, not a batch
                out.append(found.keys)
            else:
                out.extend(keys[:n] for keys, n in zip(found.keys, found.counts, strict=True))
        return out

    def _graph(self, queries: np.ndarray, count: int):
        with self._lock:
            if self._index is None:
                return None
            self._index.expansion_search = max(EXPANSION_SEARCH, count)
            return self._index.search(queries, count, threads=1)

    def close(self) -> None:
        IndexCatchUp.release(self)
        with self._sync_lock, self._lock:
            self._index = None
            self._staging = None
