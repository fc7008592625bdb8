"""Embeddings of papers for search by meaning: the model, their storage, the backfill job."""

from paperfeed.embed.model import (
    DEFAULT_MODEL,
    Embedder,
    ModelUnavailable,
    SentenceTransformerEmbedder,
    get_embedder,
    paper_text,
)

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "ModelUnavailable",
    "SentenceTransformerEmbedder",
    "get_embedder",
    "paper_text",
]
