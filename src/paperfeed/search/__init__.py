"""Keyword search backends (tantivy on SQLite, PostgreSQL full-text search) and their sync."""

from paperfeed.search.base import Hit, HitPage, KeywordIndex, SearchFilters
from paperfeed.search.sync import (
    open_backend,
    sync_at_startup,
    sync_backend,
    sync_search_index,
)

__all__ = [
    "Hit",
    "HitPage",
    "KeywordIndex",
    "SearchFilters",
    "open_backend",
    "sync_at_startup",
    "sync_backend",
    "sync_search_index",
]
