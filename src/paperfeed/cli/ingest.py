"""``paperfeed ingest <source>`` and ``paperfeed export``: thin wrappers over paperfeed.ingest.

Each command prints one summary line (or the report as JSON with ``--json``) and turns
every user-facing error into one ``click.ClickException`` line, never a traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click

from paperfeed.cli import cli
from paperfeed.cli.common import load_settings, open_runtime, require_migrated, translated_errors
from paperfeed.errors import PaperfeedError
from paperfeed.ingest.records import IngestReport
from paperfeed.runtime import Runtime
from paperfeed.service.indexing import after_ingest
from paperfeed.settings import Settings

json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
progress_option = click.option(
    "--no-progress", is_flag=True, help="No progress bar (never shown when stderr is not a TTY)."
)


@contextmanager
def _store() -> Iterator[Runtime]:
    """The runtime on a migrated database; user errors become one ClickException line."""
    with open_runtime(load_settings()) as runtime, translated_errors():
        require_migrated(runtime.engine)
        yield runtime


def _finish_ingest(report: IngestReport, runtime: Runtime, as_json: bool) -> None:
    """Run what follows every ingest (:func:`paperfeed.service.indexing.after_ingest`), print
    what it did (on stderr under ``--json``, warnings always), then the ingest's report."""
    done = after_ingest(
        runtime.settings, runtime.engine, runtime.sessions, progress=sys.stderr.isatty()
    )
    for text, warning in done.messages():
        click.echo(text, err=warning or as_json)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.summary())


def _ingest(source: str, make_pages: Callable, as_json: bool, **options) -> None:
    """The shared body of every ingest command.

    ``make_pages(settings, sessions, stack)`` returns what ``run_ingest`` takes; it may enter
    resources (an HTTP client) on ``stack``, which stays open for the whole run.
    """
    from paperfeed.ingest.pipeline import run_ingest

    with _store() as runtime, ExitStack() as stack:
        pages = make_pages(runtime.settings, runtime.sessions, stack)
        report = run_ingest(runtime.sessions, pages, source=source, **options)
        _finish_ingest(report, runtime, as_json)


def _fetcher(settings: Settings, stack: ExitStack):
    from paperfeed.ingest.http import Fetcher

    return stack.enter_context(Fetcher.from_settings(settings))


@cli.group()
def ingest() -> None:
    """Import papers from arXiv, Hugging Face and files into the database.

    Every source is idempotent: running it twice adds nothing the second time.

    Example: paperfeed ingest arxiv-id 2406.12345
    """


@ingest.command("arxiv")
@click.option("--from", "from_", help="First day (YYYY-MM-DD) of arXiv datestamps; required.")
@click.option("--until", help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--set", "set_", metavar="SET", help="OAI set, e.g. cs, math, physics:hep-th.")
@click.option("--restart", is_flag=True, help="Ignore an unfinished earlier run; start over.")
@progress_option
@json_option
def ingest_arxiv(from_, until, set_, restart, no_progress, as_json) -> None:
    """Harvest arXiv metadata by date range over OAI-PMH (resumable).

    An interrupted harvest with the same --from/--until/--set continues where it stopped.

    Example: paperfeed ingest arxiv --from 2026-11-01 --until 2026-11-21 --set cs
    """
    from paperfeed.ingest.daily import harvest_arxiv

    start, end = _day(from_, "--from"), _day(until, "--until")
    if start is None:
        raise click.ClickException(
            "give --from YYYY-MM-DD: without it the harvest would fetch all of arXiv"
        )
    if start and end and end < start:
        raise click.ClickException(f"--until {end} is before --from {start}")

    with _store() as runtime:
        report = harvest_arxiv(
            runtime.settings,
            runtime.sessions,
            from_=start,
            until=end,
            set_=set_,
            resume=not restart,
            progress=not no_progress,
        )
        _finish_ingest(report, runtime, as_json)


@ingest.command("arxiv-id")
@click.argument("ids", nargs=-1, required=True)
@json_option
def ingest_arxiv_id(ids, as_json) -> None:
    """Fetch papers by arXiv id (with or without version) from the arXiv API.

    Example: paperfeed ingest arxiv-id 2406.12345 2401.00001v2
    """
    from paperfeed.ingest.arxiv_api import fetch_by_ids, normalise_ids
    from paperfeed.ingest.pipeline import Page

    try:
        wanted = normalise_ids(ids)
    except PaperfeedError as exc:
        raise click.ClickException(exc.message) from None

    def pages(settings, sessions, stack):
        fetcher = _fetcher(settings, stack)
        return (Page(batch) for batch in fetch_by_ids(fetcher, settings.arxiv_api_url, wanted))

    _ingest("arxiv-api", pages, as_json)


@ingest.command("hf")
@click.option("--date", "day", help="One day (YYYY-MM-DD).")
@click.option("--from", "from_", help="First day of a range.")
@click.option("--until", help="Last day of a range, inclusive (default: --from).")
@json_option
def ingest_hf(day, from_, until, as_json) -> None:
    """Mirror the Hugging Face daily papers of one day or a range of days (live API).

    An interrupted range with the same --from/--until continues at the day it stopped.

    Example: paperfeed ingest hf --from 2026-11-16 --until 2026-11-20
    """
    from paperfeed.ingest import hf_daily
    from paperfeed.ingest.pipeline import Page

    if day and (from_ or until):
        raise click.ClickException("give either --date or --from/--until, not both")
    if not day and not from_:
        raise click.ClickException("give --date YYYY-MM-DD or --from YYYY-MM-DD [--until ...]")
    start = _day(day, "--date") or _day(from_, "--from")
    end = _day(day, "--date") or _day(until, "--until") or start
    try:
        all_days = hf_daily.days(start, end)
    except PaperfeedError as exc:
        raise click.ClickException(exc.message) from None

    def pages(settings, sessions, stack):
        fetcher = _fetcher(settings, stack)

        def from_cursor(cursor: str | None):
            # The cursor is the next day to fetch, so an interrupted range resumes there.
            todo = [d for d in all_days if not cursor or d.isoformat() >= cursor]
            for i, d in enumerate(todo):
                following = todo[i + 1].isoformat() if i + 1 < len(todo) else None
                yield Page(hf_daily.fetch_day(fetcher, settings.hf_base_url, d), cursor=following)

        return from_cursor

    _ingest("hf-daily", pages, as_json, params_key=f"{start}:{end}")


def _file_arg():
    return click.argument("path", type=click.Path(path_type=Path))


@ingest.command("hf-file")
@_file_arg()
@json_option
def ingest_hf_file(path, as_json) -> None:
    """Import Hugging Face daily papers from a file (.gz read transparently).

    Accepts a JSON array as returned by /api/daily_papers?date=, JSON Lines of such items,
    or JSON Lines of the scraped 2024 dataset.

    Example: paperfeed ingest hf-file ../shared/data/hf-daily-papers-api/papers.jsonl.gz
    """
    from paperfeed.ingest import hf_daily
    from paperfeed.ingest.jsonl import iter_file_lines, read_file_bytes

    _existing(path)

    def pages(settings, sessions, stack):
        head = _first_line(path)
        if not head.startswith("["):
            try:
                json.loads(head)
            except json.JSONDecodeError:
                pass  # a pretty-printed document: read it whole
            else:
                return hf_daily.parse_lines(iter_file_lines(path))
        return hf_daily.parse_json(read_file_bytes(path), what=str(path))

    _ingest("hf-file", pages, as_json)


@ingest.command("jsonl")
@_file_arg()
@json_option
def ingest_jsonl(path, as_json) -> None:
    """Import papers in paperfeed's own JSON Lines format (what `paperfeed export` writes).

    Example: paperfeed export -o papers.jsonl.gz && paperfeed ingest jsonl papers.jsonl.gz
    """
    from paperfeed.ingest.jsonl import iter_file_lines, parse_jsonl

    _existing(path)
    _ingest("jsonl", lambda *_: parse_jsonl(iter_file_lines(path)), as_json)


@ingest.command("page-dump")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--year", type=int, help="Year of the page's date header (default: inferred).")
@json_option
def ingest_page_dump(paths, year, as_json) -> None:
    """Import upvotes from saved Daily Papers pages (plain-text dumps).

    Dumps carry no arXiv ids: a card is matched to a stored paper by its title; a card
    that matches none is reported as failed ("no arXiv id in the page dump").

    Example: paperfeed ingest page-dump ../shared/seeds/*.txt
    """
    from paperfeed.ingest.jsonl import read_file_bytes
    from paperfeed.ingest.page_dump import parse_page_dump, store_title_resolver

    for path in paths:
        _existing(path)

    def pages(settings, sessions, stack):
        records = []
        with sessions() as session:
            resolve = store_title_resolver(session)
            for path in paths:
                text = read_file_bytes(path).decode("utf-8", "replace")
                mtime_year = datetime.fromtimestamp(path.stat().st_mtime, UTC).year
                records.extend(
                    parse_page_dump(
                        text,
                        resolve_id=resolve,
                        year=year,
                        default_year=mtime_year,
                        label=path.name,
                    )
                )
        return records

    _ingest("page-dump", pages, as_json)


@cli.command("export")
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE|-",
    help="Where to write (default: stdout); a name ending in .gz is gzipped.",
)
def export(output: str) -> None:
    """Write every paper with its feed entry as paperfeed/1 JSON Lines.

    Importing the file into an empty database reproduces it (`paperfeed ingest jsonl`).

    Example: paperfeed export --output papers.jsonl.gz
    """
    from paperfeed.ingest.jsonl import export_lines

    with _store() as runtime, runtime.sessions() as session:
        lines = export_lines(session)
        if output == "-":
            for line in lines:
                sys.stdout.write(line)
            sys.stdout.flush()
            return
        _write_atomically(Path(output), lines)


def _write_atomically(path: Path, lines: Iterator[str]) -> None:
    """Write to a temporary file beside ``path`` and rename, so a failure leaves no half file."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise click.ClickException(f"{directory}: no such directory")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    for line in lines:
                        gz.write(line.encode("utf-8"))
            else:
                for line in lines:
                    raw.write(line.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value; a bad one is one clear error line, not a usage dump."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"{option} {value!r} is not a date like 2026-11-20") from None


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    return path


def _first_line(path: Path) -> str:
    from paperfeed.ingest.jsonl import iter_file_lines

    for line in iter_file_lines(path):
        if line.strip():
            return line.strip()
    raise click.ClickException(f"{path}: file is empty")
