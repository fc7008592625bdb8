"""Long id lists cut into pieces for ``IN (...)``: one bound parameter per value, so a page's
or a library's ids go to the database a few hundred at a time, well under SQLite's (32,766
since 3.32) and psycopg's (65,535) parameter limits, with plans that stay index lookups."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_CHUNK = 500  # values per IN (...) list

T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive pieces of at most ``size``, in order."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
