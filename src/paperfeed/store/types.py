"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import JSON, DateTime, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# The largest row id both databases can hold (BIGINT / SQLite INTEGER): an id from a request
# beyond it is not found, rather than an overflow error from the driver.
MAX_ID = 2**63 - 1

# JSON lists (authors, categories): JSONB on PostgreSQL so containment queries can use an index.
JSONList = JSON().with_variant(JSONB(), "postgresql")
# A JSON value that may be absent: Python None is SQL NULL (not JSON ``null``), so that
# ``IS NULL`` finds it (the Hugging Face fields, migration 0014).
JSONOrNull = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class HalfVector(TypeDecorator):
    """A float vector stored at half precision, read back as a float32 numpy array.

    SQLite: little-endian float16 bytes in a BLOB. PostgreSQL: pgvector ``halfvec`` without a
    fixed dimension, so the embedding model stays configurable (an HNSW index casts to
    ``halfvec(dim)`` in an expression index). Bound values may be any 1-d float sequence.
    """

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from pgvector.sqlalchemy import HALFVEC

            return dialect.type_descriptor(HALFVEC())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        arr = np.asarray(value, dtype=np.float32)
        if arr.ndim != 1:
            raise ValueError(f"a vector must be 1-dimensional, got shape {arr.shape}")
        if dialect.name == "postgresql":
            return arr  # HALFVEC's own bind processor writes pgvector's text form
        return arr.astype("<f2").tobytes()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            # pgvector gives a list of floats or a HalfVector, by version and driver setup
            if hasattr(value, "to_numpy"):
                value = value.to_numpy()
            return np.asarray(value, dtype=np.float32)
        return np.frombuffer(value, dtype="<f2").astype(np.float32)
