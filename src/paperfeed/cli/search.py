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
    open_runtime,
    require_migrated,
    user_errors,
)
from paperfeed.runtime import Runtime
from paperfeed.search import sync_backend, sync_search_index
from paperfeed.search.sync import (
    fulltext_index_dir,
    keyword_index_dir,
    sync_fulltext_index,
    uses_derived_index,
)
from paperfeed.search.tantivy_index import IndexBusy
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.indexing import embed_papers, sync_vectors
from paperfeed.service.rendered_texts import render_missing
from paperfeed.service.search import SearchResults
from paperfeed.service.search_request import (
    MAX_LIMIT,
    MAX_OFFSET,
    MODES,
    Mode,
    Paging,
    parse_search_request,
)
from paperfeed.text import to_plain_text

_DAY = "YYYY-MM-DD"
CLI_PAGING = Paging(default_limit=20)  # --offset, not pages; a limit above 1,000 is refused


def _busy(exc: IndexBusy) -> click.ClickException:
    return click.ClickException(f"{exc}; try again when the other paperfeed process is done")


@cli.command()
@click.argument("query")
# Every value is read as given and checked by the one search-parameter parser
# (service/search_request.py): the same limits and messages as the web pages and the API.
@click.option("--limit", metavar="N", help=f"Papers to show, 1 to {MAX_LIMIT}.  [default: 20]")
@click.option("--offset", metavar="N", help=f"Papers to skip, 0 to {MAX_OFFSET}.  [default: 0]")
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.CL.")
@click.option("--author", help="Only papers with an author matching these words.")
@click.option("--from", "date_from", metavar=_DAY, help="Published on or after YYYY-MM-DD.")
@click.option("--to", "date_to", metavar=_DAY, help="Published on or before YYYY-MM-DD.")
@click.option(
    "--mode",
    metavar=f"[{'|'.join(MODES)}]",
    help="hybrid: words and meaning fused; keyword: words only; semantic: meaning only. "
    "Default: the search_mode setting (hybrid).",
)
@click.option(
    "--fulltext",
    is_flag=True,
    help="Match inside papers' full text too; show the passage and section that matched.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@user_errors
def search(
    query, limit, offset, category, author, date_from, date_to, mode, fulltext, as_json
) -> None:
    """Rank papers for QUERY: words (any may match), "quoted phrases", or an arXiv id/URL.

    Example: paperfeed search '"diffusion model" video' --category cs.CV --limit 5
    """
    request = parse_search_request(
        query,
        mode=mode,
        category=category,
        author=author,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
        fulltext=fulltext,
        paging=CLI_PAGING,
    )
    settings = load_settings()
    asked = request.mode_or(settings.search_mode)
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
        with contextlib.suppress(IndexBusy):  # another process syncs: use what is there
            sync_backend(runtime.search)
        with runtime.sessions() as session:
            results = run_search(
                session,
                runtime.search,
                request,
                default_mode=settings.search_mode,
                # the query model and the vector index only where meaning is asked for
                semantic=None if asked is Mode.KEYWORD else runtime.semantic,
                passages=runtime.passages if fulltext else None,
            )
    if results.notice and (mode or fulltext):  # asked for by name: say why it was not used
        click.echo(f"note: {results.notice}", err=True)
    _echo_results(results, request.offset, as_json=as_json)


def _echo_results(results: SearchResults, offset: int, *, as_json: bool) -> None:
    if as_json:
        echo_json(
            {
                "query": results.query,
                "total": results.total,
                "exact_id": results.exact_id,
                "mode": results.mode.value,
                "notice": results.notice,
                "papers": [asdict(p) for p in results.papers],
                "passages": {a: asdict(h) for a, h in results.passages.items()},
            }
        )
        return
    if not results.papers:
        click.echo("no matching papers")
        return
    for p in results.papers:
        # a terminal shows text: MVD², not MVD$^2$ (docs/text-and-math.md)
        click.echo(f"{p.arxiv_id:<18} {p.upvotes:>5}  {to_plain_text(p.title)}")
        match = results.passages.get(p.arxiv_id)
        if match:
            click.echo(
                f"{'':<18} {'':>5}  in {match.section or 'the text'}: {_snippet(match.text)}"
            )
    shown = offset + len(results.papers)
    if results.total > shown:
        click.echo(f"... {results.total - shown} more (use --offset {shown})")


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@cli.group()
def index() -> None:
    """Maintain the search indexes (keyword, vector, full-text passages: files on SQLite, in
    the database on PostgreSQL) and the paper embeddings."""


@index.command("sync")
@user_errors
def index_sync() -> None:
    """Render new papers' texts as HTML, apply paper changes made since the last sync to
    the keyword and vector indexes and full-text writes to the passage index. Resumes a
    rebuild that was stopped.

    Example: paperfeed index sync
    """
    _sync(rebuild=False)


@index.command("rebuild")
@user_errors
def index_rebuild() -> None:
    """Drop the keyword, vector and full-text passage indexes and rebuild them from the
    database (on PostgreSQL: recount the term statistics and REINDEX the passages' GIN
    index). Stopped half-way, paperfeed index sync or the next rebuild completes it.

    Example: paperfeed index rebuild
    """
    _sync(rebuild=True)


def _sync(*, rebuild: bool) -> None:
    settings = load_settings()
    verb = "rebuilt with" if rebuild else "synced"
    with open_runtime(settings) as runtime:
        engine = runtime.engine
        require_migrated(engine)
        rendered = render_missing(runtime.sessions)
        click.echo(f"paper texts: rendered {rendered:,} as HTML")
        try:
            if uses_derived_index(engine):
                applied = sync_search_index(settings, engine, rebuild=rebuild)
                click.echo(
                    f"keyword index {keyword_index_dir(settings)}: {verb} {applied:,} papers"
                )
            else:
                counted = sync_search_index(settings, engine, rebuild=rebuild)
                click.echo(
                    f"keyword index: in the database; term statistics: {counted:,} papers "
                    + ("recounted" if rebuild else "counted")
                )
            if settings.semantic_search:
                click.echo(sync_vectors(settings, engine, rebuild=rebuild).summary())
            if uses_derived_index(engine):
                applied = sync_fulltext_index(settings, engine, rebuild=rebuild)
                click.echo(
                    f"full-text passage index {fulltext_index_dir(settings)}: {verb} "
                    f"{applied:,} papers"
                )
            elif rebuild:
                covered = sync_fulltext_index(settings, engine, rebuild=True)
                click.echo(
                    f"full-text passage index: in the database; reindexed, {covered:,} papers"
                )
        except IndexBusy as exc:
            raise _busy(exc) from None


def _embed_and_index(
    runtime: Runtime, *, batch_size: int = 64, limit: int | None = None, fast: bool | None = None
) -> None:
    """Embed what is missing (progress bar on a terminal), then bring the vector index up to
    date, printing a line for each (:mod:`paperfeed.service.indexing`)."""
    embedded = embed_papers(
        runtime.settings,
        runtime.sessions,
        batch_size=batch_size,
        limit=limit,
        fast=fast,
        progress=sys.stderr.isatty(),
    )
    click.echo(embedded.summary())
    click.echo(sync_vectors(runtime.settings, runtime.engine).summary())


@index.command("embed")
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Papers embedded and committed together.",
)
@click.option("--limit", type=click.IntRange(1), help="Embed at most this many papers, then stop.")
@click.option(
    "--fast/--no-fast",
    default=None,
    help="Run the model in ONNX Runtime with int8 weights: ~2.4x faster on CPU, vectors "
    "interchangeable with the default's. Default: the "
    "PAPERFEED_EMBED_BULK_RUNTIME setting (torch).",
)
@user_errors
def index_embed(batch_size: int, limit: int | None, fast: bool | None) -> None:
    """Embed the papers that have no embedding yet, or whose text changed since, then
    update the vector index.

    Resumable: each batch is committed, so an interrupted run continues where it stopped.
    Shows a progress bar on a terminal. Example: paperfeed index embed --limit 1000;
    for a large backfill: paperfeed index embed --fast
    """
    with open_runtime(load_settings()) as runtime:
        require_migrated(runtime.engine)
        try:
            _embed_and_index(runtime, batch_size=batch_size, limit=limit, fast=fast)
        except IndexBusy as exc:
            raise _busy(exc) from None
