"""What brings the derived indexes and the embeddings up to date: after every ingest
(:func:`after_ingest`, the ``paperfeed ingest ...`` commands and the worker's daily harvest)
and in ``paperfeed index sync|rebuild|embed``.

Each step returns a report; the surfaces only print or log it. The papers of an ingest are
committed before any of this runs, so a failing step loses nothing: the change sequence
keeps the pending papers for the next sync, and ``paperfeed index embed`` embeds what is
missing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.embed.job import EmbedReport, embed_missing
from paperfeed.embed.keywords import KeywordReport, compute_missing_keywords
from paperfeed.embed.model import Embedder, get_embedder
from paperfeed.service.rendered_texts import render_missing
from paperfeed.settings import Settings


@dataclass(frozen=True)
class VectorSync:
    """The vector index of ``model`` brought up to date."""

    model: str
    applied: int  # papers applied to a derived (usearch) index; 0 on pgvector
    derived: bool  # a usearch file beside the SQLite database; else pgvector in the database
    rebuilt: bool = False

    def summary(self) -> str:
        if not self.derived:
            return f"vector index ({self.model}): pgvector HNSW in the database"
        verb = "rebuilt with" if self.rebuilt else "synced"
        return f"vector index ({self.model}): {verb} {self.applied:,} papers"


@dataclass(frozen=True)
class PapersEmbedded:
    """One run of the embedding job."""

    embedder: str  # the model's name
    fast: bool  # by the int8 ONNX copy of the model
    report: EmbedReport
    keywords: KeywordReport | None = None  # None: the local_keywords setting is off

    def summary(self) -> str:
        how = ", ONNX Runtime int8" if self.fast else ""
        text = (
            f"embeddings ({self.embedder}{how}): embedded {self.report.embedded:,}, "
            f"unchanged {self.report.skipped:,}, remaining {self.report.remaining:,}"
        )
        return text + (f"; {self.keywords.summary()}" if self.keywords else "")


@dataclass(frozen=True)
class AfterIngest:
    """What :func:`after_ingest` did. A step that failed says why (``Type: message``)."""

    keyword_error: str | None = None  # the keyword index was not synced
    embedded: PapersEmbedded | None = None  # None: not run (turned off), or it failed
    vectors: VectorSync | None = None
    embed_error: str | None = None  # embedding or the vector sync failed
    rendered: int = 0  # papers whose title and abstract were rendered as HTML and kept
    render_error: str | None = None  # that step failed (the pages render them meanwhile)

    def messages(self) -> list[tuple[str, bool]]:
        """One line a step, in the order they ran, each with whether it is a warning
        (nothing for steps turned off)."""
        found: list[tuple[str, bool]] = []
        if self.render_error is not None:
            found.append(
                (
                    f"warning: paper texts not rendered ({self.render_error}); "
                    "the next `paperfeed index sync` renders them",
                    True,
                )
            )
        if self.keyword_error is not None:
            found.append(
                (
                    f"warning: search index not updated ({self.keyword_error}); "
                    "it catches up at the next sync",
                    True,
                )
            )
        found += [(step.summary(), False) for step in (self.embedded, self.vectors) if step]
        if self.embed_error is not None:
            found.append(
                (
                    f"warning: papers not embedded ({self.embed_error}); "
                    "run `paperfeed index embed` later",
                    True,
                )
            )
        return found


def after_ingest(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    *,
    progress: bool = False,
) -> AfterIngest:
    """What runs once an ingest's papers are committed: sync the keyword index, then (with
    ``embed_after_ingest`` and search by meaning on) embed the new papers and sync the vector
    index; first of all, render the new papers' texts as HTML (service/rendered_texts.py).
    Never raises for a failing step: it is in the report. ``progress`` shows the
    embedding's progress bar on stderr."""
    rendered, render_error = 0, None
    try:  # pages render a paper's text themselves until it is stored
        rendered = render_missing(sessions)
    except Exception as exc:
        render_error = f"{type(exc).__name__}: {exc}"
    keyword_error = _sync_keywords(settings, engine)
    done = AfterIngest(keyword_error, rendered=rendered, render_error=render_error)
    if not (settings.embed_after_ingest and settings.semantic_search):
        return done
    try:  # the ingest is committed; `paperfeed index embed` retries
        done = replace(done, embedded=embed_papers(settings, sessions, progress=progress))
        return replace(done, vectors=sync_vectors(settings, engine))
    except Exception as exc:
        return replace(done, embed_error=f"{type(exc).__name__}: {exc}")


def _sync_keywords(settings: Settings, engine: Engine) -> str | None:
    """Bring the keyword index up to date; why not, if it failed (another process holds the
    index: the next sync catches up)."""
    try:
        from paperfeed.search.sync import sync_search_index
    except ImportError:
        return None
    try:
        sync_search_index(settings, engine)
    except Exception as exc:  # any index trouble is repaired by the next sync
        return f"{type(exc).__name__}: {exc}"
    return None


def paper_embedder(settings: Settings, *, fast: bool | None = None) -> Embedder:
    """The model that embeds papers: torch, or with ``fast`` (default: the
    ``embed_bulk_runtime`` setting) its int8 ONNX copy, built in the model cache on first
    use. Queries are embedded by the runtime's query embedder instead."""
    if fast is None:
        fast = settings.embed_bulk_runtime == "onnx-int8"
    if fast:
        from paperfeed.embed.onnx import bulk_embedder

        return bulk_embedder(settings.embedding_model, settings.resolved_model_cache_dir())
    return get_embedder(settings.embedding_model)


def embed_papers(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    batch_size: int = 64,
    limit: int | None = None,
    fast: bool | None = None,
    progress: bool = False,
) -> PapersEmbedded:
    """Embed the papers that have no embedding of the configured model, or whose text
    changed since (see :func:`paper_embedder` for ``fast``), then (``local_keywords``) give
    keywords to those HF gave none (embed/keywords.py). Raises ModelUnavailable before
    writing anything."""
    if fast is None:
        fast = settings.embed_bulk_runtime == "onnx-int8"
    embedder = paper_embedder(settings, fast=fast)
    report = embed_missing(
        sessions, embedder, batch_size=batch_size, limit=limit, progress=progress
    )
    keywords = None
    if settings.local_keywords:
        keywords = compute_missing_keywords(sessions, embedder, limit=limit)
    return PapersEmbedded(embedder.name, fast, report, keywords)


def sync_vectors(settings: Settings, engine: Engine, *, rebuild: bool = False) -> VectorSync:
    """Bring the configured model's vector index up to date (see ``sync_vector_index``).
    Raises IndexBusy if another process is rebuilding it."""
    from paperfeed.search.sync import sync_vector_index, uses_derived_index

    model = settings.embedding_model
    applied = sync_vector_index(settings, engine, model, rebuild=rebuild)
    return VectorSync(model, applied, uses_derived_index(engine), rebuilt=rebuild)
