"""Copy every row of one paperfeed database into another (SQLite -> PostgreSQL, or back).

Tables go in foreign-key order (``Base.metadata.sorted_tables``), each read in primary-key
order, so a comment's parent is always copied before its replies. Rows pass through the
models' column types, which is what converts between the backends: SQLite's float16 BLOBs
become pgvector ``halfvec`` values, naive UTC text becomes ``timestamptz``, JSON text becomes
``jsonb``. Everything is written in ONE transaction on the target: a copy that fails leaves
the target as it was. Afterwards PostgreSQL's identity sequences are moved past the copied
ids, so new rows do not collide with copied ones.

What is derived (the keyword and vector indexes, PostgreSQL's term statistics) is not
copied; the caller rebuilds it on the target (:func:`paperfeed.search.sync` functions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, Table, delete, func, insert, select, text

# Their tables join Base.metadata.
from paperfeed.store import (  # noqa: F401
    digest_models,
    fulltext_models,
    html_models,
    library_models,
)
from paperfeed.store.models import Base

BATCH_ROWS = 2_000


class TargetNotEmpty(Exception):
    def __init__(self, tables: dict[str, int]):
        self.tables = tables
        listed = ", ".join(f"{name} ({n:,} rows)" for name, n in tables.items())
        super().__init__(f"the target database already holds data: {listed}")


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(Base.metadata.sorted_tables)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}


def copy_database(
    source: Engine,
    target: Engine,
    *,
    replace: bool = False,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy all rows from ``source`` to ``target``; both must have the same schema revision.

    A target holding any row is refused (:class:`TargetNotEmpty`) unless ``replace``, which
    empties it first, in the same transaction. ``progress(table, rows_so_far)`` is called
    after each batch.
    """
    if not replace:
        filled = {name: n for name, n in row_counts(target).items() if n}
        if filled:
            raise TargetNotEmpty(filled)
    report = CopyReport()
    with source.connect() as src, target.begin() as dst:
        if replace:
            _empty(dst)
        for table in tables():
            order = list(table.primary_key.columns) or list(table.columns)
            result = src.execution_options(stream_results=True, yield_per=batch_rows).execute(
                select(table).order_by(*order)
            )
            copied = 0
            for batch in result.partitions(batch_rows):
                dst.execute(insert(table), [dict(row._mapping) for row in batch])
                copied += len(batch)
                if progress is not None:
                    progress(table.name, copied)
            report.rows[table.name] = copied
        if dst.dialect.name == "postgresql":
            _advance_sequences(dst)
    return report


def _empty(conn) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in tables())
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables()):
        conn.execute(delete(table))


def _advance_sequences(conn) -> None:
    """Set each table's id sequence to its largest copied id (next value: one more)."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        column = pk[0].name
        sequence = conn.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
        )
        if sequence is None:
            continue
        next_id = (conn.scalar(select(func.max(pk[0]))) or 0) + 1
        conn.execute(text("SELECT setval(:s, :v, false)"), {"s": sequence, "v": next_id})
