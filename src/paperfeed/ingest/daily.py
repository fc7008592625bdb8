"""The arXiv harvest by date range over OAI-PMH: what ``paperfeed ingest arxiv`` runs, and
the worker's daily ``ingest-arxiv`` job (yesterday's papers of ``worker_ingest_set``).

The harvest is resumable: pages are committed one by one with the resumption token, so a
harvest stopped anywhere (a crash, arXiv down, SIGTERM) continues at the next page when the
same range and set are harvested again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from paperfeed.errors import PaperfeedError
from paperfeed.ingest.http import Fetcher
from paperfeed.ingest.pipeline import Page, PageSource, oai_params_key, oai_source, run_ingest
from paperfeed.ingest.records import IngestReport
from paperfeed.settings import Settings

SOURCE = "arxiv-oai"


class HarvestStopped(PaperfeedError):
    """The harvest was asked to stop (SIGTERM); what it committed stays, the rest resumes."""


def harvest_arxiv(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    from_: date,
    until: date | None,
    set_: str | None,
    resume: bool = True,
    progress: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> IngestReport:
    """Harvest the arXiv metadata with datestamps in [``from_``, ``until``] of ``set_``.

    Raises what the source raises (``SourceUnavailable``), and :class:`HarvestStopped` when
    ``should_stop()`` turns true between two pages; either way the run is recorded as
    failed with its cursor, and the next harvest of the same range resumes there.
    """
    with Fetcher.from_settings(settings) as fetcher:
        pages = oai_source(fetcher, settings.arxiv_oai_url, from_=from_, until=until, set_=set_)
        return run_ingest(
            sessions,
            _until_stopped(pages, should_stop),
            source=SOURCE,
            params_key=oai_params_key(from_, until, set_),
            progress=progress,
            resume=resume,
        )


def harvest_day(
    settings: Settings,
    sessions: sessionmaker[Session],
    day: date,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> IngestReport:
    """The daily job: ``day``'s papers of ``settings.worker_ingest_set``."""
    return harvest_arxiv(
        settings,
        sessions,
        from_=day,
        until=day,
        set_=settings.worker_ingest_set,
        should_stop=should_stop,
    )


def _until_stopped(source: PageSource, should_stop: Callable[[], bool]) -> PageSource:
    def pages(cursor: str | None) -> Iterator[Page]:
        for page in source(cursor):
            yield page  # committed by run_ingest before the next one is asked for
            if should_stop():
                raise HarvestStopped("the harvest was stopped; the next run resumes it")

    return pages
