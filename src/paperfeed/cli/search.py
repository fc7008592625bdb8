"""``paperfeed search`` and ``paperfeed index sync|rebuild|embed``: search from the shell."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import asdict

import click

from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_engine,
    require_migrated,
    user_errors,
)
from paperfeed.search import open_backend, sync_backend, sync_search_index
from paperfeed.search.sync import keyword_index_dir, uses_derived_index
from paperfeed.search.tantivy_index import IndexBusy
from paperfeed.service.search import SearchFilters
from paperfeed.service.search import search as run_search
from paperfeed.store.db import make_sessionmaker

_DAY = click.DateTime(["%Y-%m-%d"])


def _busy(exc: IndexBusy) -> click.ClickException:
    return click.ClickException(f"{exc}; try again when the other paperfeed process is done")


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0, 10_000))
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.CL.")
@click.option("--author", help="Only papers with an author matching these words.")
@click.option("--from", "date_from", type=_DAY, help="Published on or after YYYY-MM-DD.")
@click.option("--to", "date_to", type=_DAY, help="Published on or before YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@user_errors
def search(query, limit, offset, category, author, date_from, date_to, as_json) -> None:
    """Rank papers for QUERY: words (any may match), "quoted phrases", or an arXiv id/URL.

    Example: paperfeed search '"diffusion model" video' --category cs.CV --limit 5
    """
    settings = load_settings()
    filters = SearchFilters(
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        category=category,
        author=author,
    )
    with open_engine(settings) as engine:
        require_migrated(engine)
        backend = open_backend(settings, engine)
        try:
            with contextlib.suppress(IndexBusy):  # another process syncs: use what is there
                sync_backend(backend)
            with make_sessionmaker(engine)() as session:
                results = run_search(session, backend, query, filters, limit=limit, offset=offset)
        finally:
            backend.close()
    if as_json:
        echo_json(
            {
                "query": results.query,
                "total": results.total,
                "exact_id": results.exact_id,
                "papers": [asdict(p) for p in results.papers],
            }
        )
        return
    if not results.papers:
        click.echo("no matching papers")
        return
    for p in results.papers:
        click.echo(f"{p.arxiv_id:<18} {p.upvotes:>5}  {p.title}")
    shown = offset + len(results.papers)
    if results.total > shown:
        click.echo(f"... {results.total - shown} more (use --offset {shown})")


@cli.group()
def index() -> None:
    """Maintain the keyword search index (tantivy on SQLite; PostgreSQL needs none) and the
    paper embeddings."""


@index.command("sync")
@user_errors
def index_sync() -> None:
    """Apply paper changes made since the last sync to the keyword index.

    Example: paperfeed index sync
    """
    _sync(rebuild=False)


@index.command("rebuild")
@user_errors
def index_rebuild() -> None:
    """Drop the keyword index and rebuild it from every paper in the database.

    Example: paperfeed index rebuild
    """
    _sync(rebuild=True)


def _sync(*, rebuild: bool) -> None:
    settings = load_settings()
    with open_engine(settings) as engine:
        require_migrated(engine)
        if not uses_derived_index(engine):
            click.echo("nothing to do: on PostgreSQL the search index lives in the database")
            return
        try:
            applied = sync_search_index(settings, engine, rebuild=rebuild)
        except IndexBusy as exc:
            raise _busy(exc) from None
    verb = "rebuilt with" if rebuild else "synced"
    click.echo(f"keyword index {keyword_index_dir(settings)}: {verb} {applied:,} papers")


@index.command("embed")
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Papers embedded and committed together.",
)
@click.option("--limit", type=click.IntRange(1), help="Embed at most this many papers, then stop.")
@user_errors
def index_embed(batch_size: int, limit: int | None) -> None:
    """Embed the papers that have no embedding yet, or whose text changed since.

    Resumable: each batch is committed, so an interrupted run continues where it stopped.
    Shows a progress bar on a terminal. Example: paperfeed index embed --limit 1000
    """
    from paperfeed.embed.job import embed_missing
    from paperfeed.embed.model import get_embedder

    settings = load_settings()
    embedder = get_embedder(settings.embedding_model)
    with open_engine(settings) as engine:
        require_migrated(engine)
        report = embed_missing(
            make_sessionmaker(engine),
            embedder,
            batch_size=batch_size,
            limit=limit,
            progress=sys.stderr.isatty(),
        )
    click.echo(
        f"embeddings ({embedder.name}): embedded {report.embedded:,}, "
        f"unchanged {report.skipped:,}, remaining {report.remaining:,}"
    )
