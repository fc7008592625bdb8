"""The server vector index: pgvector HNSW over ``paper_embeddings``, so web workers keep no state.

``paper_embeddings.vector`` is a ``halfvec`` without a dimension (the model is configurable),
so each model gets its own partial expression index, built by :func:`ensure_vector_index`::

    CREATE INDEX ix_paper_embeddings_hnsw_<hash> ON paper_embeddings
    USING hnsw ((vector::halfvec(384)) halfvec_cosine_ops) WITH (m = 16, ef_construction = 128)
    WHERE model = 'all-MiniLM-L6-v2' AND dim = 384

(``dim`` is in the predicate too, so rows of another dimension under the same name can never
break the cast.)

The planner uses it only when a query's ORDER BY expression is the index expression and its
WHERE clause implies the index predicate with *constants*: a bind parameter would not do
once psycopg prepares the statement and PostgreSQL switches to a generic plan. So the model
name is rendered as a quoted SQL literal by SQLAlchemy (``literal_execute``) and the dimension
as an integer; the query vector and every filter value stay bind parameters.

Filters are checked while walking the graph: pgvector 0.8 iterative scans
(``hnsw.iterative_scan = relaxed_order``) keep walking until ``limit`` rows pass, and a
materialized CTE re-sorts them by distance. The walk stops after ``hnsw.max_scan_tuples``
(20,000) index tuples, which a very selective filter can exhaust; a short result is then
recomputed exactly over the papers passing the filters (their own indexes find them, and
there are few of them, or the walk would have filled the page). For such filters the planner
usually picks that plan itself: at 100k papers a one-day range or a 0.1% author sorts the
few passing rows, while a category or a month walks the index (p50 3-25 ms on 2 cores
shared with other jobs).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import Engine, String, bindparam, text
from sqlalchemy.orm import Session

from paperfeed.search.base import Hit, SearchFilters, query_vector
from paperfeed.search.postgres_fts import filter_sql

logger = logging.getLogger(__name__)

# Recall@20 against exact search, measured on 2 shared cores with 384-d vectors: 100k
# synthetic vectors shaped like MiniLM embeddings (mean pairwise cosine 0.33), 300 queries:
#   ef_construction 64:  ef_search 64 -> 0.92, 100 -> 0.95, 150 -> 0.97 (build 43 s)
#   ef_construction 128: ef_search 64 -> 0.96, 100 -> 0.985, 128 -> 0.993 (build 63 s)
#   ef_construction 200: ef_search 100 -> 0.990 (build 86 s)
# and 0.999 at ef_search 128 on 7k real all-MiniLM-L6-v2 arXiv embeddings; p50 6-8 ms.
# A lower ef_construction also left some queries with no true neighbour at all.
# At 1M (bench/search_scale.py: 74,728 real + synthetic vectors, 200 queries near papers),
# recall@20 by ef_search: 128 -> 0.915, 200 -> 0.934, 256 -> 0.943, 400 -> 0.954, at
# k = 100 p50 17 / 12 / 14 / 18 ms: the graph is bigger than the candidate list of 128.
DEFAULT_EF_SEARCH = 400
MAX_EF_SEARCH = 1_000  # pgvector's upper bound for hnsw.ef_search
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
HNSW_MAX_DIM = 4_000  # pgvector indexes halfvec up to this many dimensions
BUILD_MEMORY = "512MB"  # maintenance_work_mem for a build: ~450k 384-d vectors fit in memory


class PgvectorIndex:
    """Nearest papers under one embedding model. Stateless: queries the caller's session."""

    name = "pgvector"

    def __init__(self, model: str, *, ef_search: int = DEFAULT_EF_SEARCH):
        if not 1 <= ef_search <= MAX_EF_SEARCH:
            raise ValueError(f"ef_search must be between 1 and {MAX_EF_SEARCH}, got {ef_search}")
        self.model = model
        self.ef_search = ef_search

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
        params: dict = {"q": query, "limit": limit}
        where = filter_sql(filters, params)
        if exclude:
            params["exclude"] = sorted(exclude)
            where += " AND NOT (p.arxiv_id = ANY(:exclude))"
        with _hnsw_settings(session, ef_search=min(max(self.ef_search, limit), MAX_EF_SEARCH)):
            rows = session.execute(self._statement(query.size, where, exact=False), params).all()
        if len(rows) < limit:
            rows = session.execute(self._statement(query.size, where, exact=True), params).all()
        return [Hit(row.arxiv_id, float(row.score)) for row in rows]

    def close(self) -> None:
        pass

    def _statement(self, dim: int, where: str, *, exact: bool):
        """The nearest-first query; ``exact`` sorts every passing row instead of walking HNSW."""
        distance = f"(e.vector::halfvec({int(dim)})) <=> CAST(:q AS halfvec({int(dim)}))"
        # "+ 0" makes the sort key differ from the index expression, so no index order is used.
        order = f"({distance}) + 0" if exact else "distance"
        sql = (
            "WITH nearest AS MATERIALIZED ("  # noqa: S608 (fixed fragments; values are parameters)
            f"SELECT p.arxiv_id, {distance} AS distance "
            "FROM paper_embeddings e JOIN papers p ON p.id = e.paper_id "
            f"WHERE e.model = :model AND e.dim = {int(dim)} {where} "
            f"ORDER BY {order} LIMIT :limit) "
            "SELECT arxiv_id, 1 - distance AS score FROM nearest ORDER BY distance, arxiv_id"
        )
        return text(sql).bindparams(
            bindparam("model", self.model, type_=String(), literal_execute=True),
            bindparam("q", type_=HALFVEC()),
        )


@contextmanager
def _hnsw_settings(session: Session, *, ef_search: int) -> Iterator[None]:
    """Iterative index scans with ``ef_search`` for the enclosed statements, then the previous
    values (a NULL previous value, pgvector not loaded yet, resets to the default)."""
    values = {"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": str(ef_search)}
    previous = _set_local(session, values)
    try:
        yield
    finally:
        _set_local(session, previous)


def _set_local(session: Session, values: dict[str, str | None]) -> dict[str, str | None]:
    """Set ``values`` for the rest of the transaction in one round trip; return the old ones."""
    params: dict = {}
    columns = []
    for i, (name, value) in enumerate(values.items()):
        params[f"n{i}"], params[f"v{i}"] = name, value
        columns.append(f"current_setting(:n{i}, true), set_config(:n{i}, :v{i}, true)")
    row = session.execute(text("SELECT " + ", ".join(columns)), params).one()  # noqa: S608
    return {name: row[2 * i] for i, name in enumerate(values)}


def vector_index_name(model: str, dim: int) -> str:
    """The name of the HNSW index of ``model`` at ``dim`` dimensions (deterministic)."""
    digest = hashlib.sha1(f"{model}|{dim}".encode(), usedforsecurity=False).hexdigest()
    return f"ix_paper_embeddings_hnsw_{digest[:12]}"


def ensure_vector_index(engine: Engine, model: str) -> bool:
    """Create the HNSW index of ``model``'s embeddings if it does not exist yet.

    The dimension is read from a stored row, so with no embedding under ``model`` nothing is
    done and False is returned; otherwise True once the index exists. The build runs in its
    own transaction and holds a SHARE lock on ``paper_embeddings`` (reads go on, writes to the
    table wait until it commits: ~1 minute at 100k 384-d rows here), so build it early, while
    there are few rows: inserts then keep it up to date. Safe to call from several processes at once: an advisory lock lets
    one build while the others wait, then find the index there.
    """
    with engine.begin() as conn:
        dim = conn.scalar(
            text("SELECT dim FROM paper_embeddings WHERE model = :m LIMIT 1"), {"m": model}
        )
        if dim is None:
            return False
        if not 1 <= dim <= HNSW_MAX_DIM:
            logger.warning(
                "%s: %d dimensions; pgvector indexes at most %d, searches stay exact",
                model,
                dim,
                HNSW_MAX_DIM,
            )
            return False
        name = vector_index_name(model, dim)
        exists = text("SELECT to_regclass(:n) IS NOT NULL").bindparams(n=name)
        if conn.scalar(exists):
            return True
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})
        if conn.scalar(exists):  # another process built it while we waited
            return True
        # Raise maintenance_work_mem for this build only, never lower a bigger server setting.
        conn.execute(
            text(
                "SELECT set_config('maintenance_work_mem', :mem, true) "
                "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(:mem)"
            ),
            {"mem": BUILD_MEMORY},
        )
        ddl = (
            f"CREATE INDEX IF NOT EXISTS {name} ON paper_embeddings "
            f"USING hnsw ((vector::halfvec({int(dim)})) halfvec_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) "
            f"WHERE model = :model AND dim = {int(dim)}"
        )
        started = time.perf_counter()
        conn.execute(
            text(ddl).bindparams(bindparam("model", model, type_=String(), literal_execute=True))
        )
        logger.info(
            "built vector index %s for %s (%d dimensions) in %.1f s",
            name,
            model,
            dim,
            time.perf_counter() - started,
        )
    return True
