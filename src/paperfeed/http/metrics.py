"""``/metrics`` in the Prometheus text format (prometheus_client).

Two kinds of figures:

- **Per request**, counted by the :class:`RequestMetrics` middleware in the worker that
  served it: ``paperfeed_http_requests_total`` and ``paperfeed_http_request_duration_seconds``
  by method, *route template* (``/papers/{arxiv_id:arxiv_id}``, never the raw path: one series
  per route, however many papers) and status. Requests that match no route count as
  ``<unmatched>``. With several workers, ``paperfeed serve`` sets ``PROMETHEUS_MULTIPROC_DIR``
  and every worker writes its counts there; a scrape served by any worker adds them all up.
- **From the database, at scrape time**, so they are right whichever process did the work
  (ingest runs in the CLI or the worker, not in the web server): papers, embedded papers,
  ingest runs and records by source, the digest outbox by status and subscriptions, index
  sizes in bytes, and whatever else :func:`add_scrape_source` registers.

Every response also carries ``X-Paperfeed-Worker: <pid>``, which tells an operator (and the
multi-worker tests) which worker answered.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import values as prometheus_values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from paperfeed.embed.store import count_embedded
from paperfeed.http import routing
from paperfeed.http.deps import PrimarySessions
from paperfeed.store.digest_models import DigestOutbox, Subscription
from paperfeed.store.models import IngestRun

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"
WORKER_HEADER = b"x-paperfeed-worker"

# prometheus_client chose, when imported, whether values live in this process or in files
# under PROMETHEUS_MULTIPROC_DIR (set by `paperfeed serve --workers N` before the workers start).
MULTIPROCESS = prometheus_values.ValueClass is not prometheus_values.MutexValue
disable_created_metrics()  # no *_created series: they double the output and nobody reads them
# Created once per process; in multiprocess mode they write to PROMETHEUS_MULTIPROC_DIR.
_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "paperfeed_http_requests",
    "HTTP requests served, by method, route template and status.",
    ["method", "route", "status"],
    registry=_REGISTRY,
)
LATENCY = Histogram(
    "paperfeed_http_request_duration_seconds",
    "Time from request to the end of the response body, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_REGISTRY,
)

# (session, engine, app state) -> metric families, computed at each scrape.
ScrapeSource = Callable[[Session, Engine, object], Iterable[Metric]]
_SCRAPE_SOURCES: list[ScrapeSource] = []


def add_scrape_source(source: ScrapeSource) -> ScrapeSource:
    """Register a function that reports figures from the database at scrape time (usable as
    a decorator). It gets a read session, the primary engine and ``app.state``."""
    _SCRAPE_SOURCES.append(source)
    return source


def install_metrics(app: FastAPI) -> None:
    """Add ``/metrics`` and the request-counting middleware (call last: the middleware must
    be the outermost so that it times the response cache's hits too)."""
    app.include_router(router)
    app.add_middleware(RequestMetrics)


# ---------------------------------------------------------------- per request


class RequestMetrics:
    """Pure ASGI middleware: count and time every HTTP request by its route template."""

    # raw paths remembered, bounded by their bytes: paths are the client's choice, up to
    # the server's request-line limit, so a count alone would let long ones fill memory
    LEARNED_BYTES = 1 << 20

    def __init__(self, app):
        self.app = app
        self.pid = str(os.getpid()).encode()
        # raw path -> template, learned from routed requests: a response-cache hit is
        # answered before routing, but always after a routed request for the same path.
        self.learned: OrderedDict[str, str] = OrderedDict()
        self.learned_bytes = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app raises before answering

        async def observe(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message["headers"], (WORKER_HEADER, self.pid)]}
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            route = self.route_template(scope)
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)

    def route_template(self, scope) -> str:
        """The path template of the route that served ``scope``, e.g.
        ``/papers/{arxiv_id:arxiv_id}``; a mounted app (static files) counts as its mount."""
        path = scope["path"]
        template = getattr(scope.get("route"), "path", None)
        if template is None and scope.get("endpoint") is not None and scope.get("root_path"):
            template = scope["root_path"] + "/{path}"
        if template is None:
            return self.learned.get(path, UNMATCHED)
        old_template = self.learned.get(path)
        if old_template is not None:
            self.learned_bytes -= len(path) + len(old_template)
        self.learned_bytes += len(path) + len(template)
        self.learned[path] = template
        self.learned.move_to_end(path)
        while self.learned_bytes > self.LEARNED_BYTES:
            old, old_template = self.learned.popitem(last=False)
            self.learned_bytes -= len(old) + len(old_template)
        return template


# ---------------------------------------------------------------- the scrape

router = routing.router(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request, sessions: PrimarySessions) -> Response:
    registry = CollectorRegistry(auto_describe=True)
    if MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_StoreFigures(request.app.state, sessions))
    return Response(
        generate_latest(registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


class _ThisProcess:
    """The request metrics of this process alone (single-worker serving and tests)."""

    def collect(self) -> Iterable[Metric]:
        return _REGISTRY.collect()


class _StoreFigures:
    """Figures read from the database and the index files when scraped."""

    def __init__(self, state, sessions):
        self.state = state
        self.sessions = sessions

    def collect(self) -> Iterable[Metric]:
        state = self.state
        up = GaugeMetricFamily("paperfeed_database_up", "1 if the database answered the scrape.")
        try:
            with self.sessions() as session:
                families = list(self._from_store(session))
        except SQLAlchemyError as exc:
            logger.warning("metrics: database unreachable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
        yield from _index_bytes(state)

    def _from_store(self, session: Session) -> Iterable[Metric]:
        state = self.state
        embedded, visible = count_embedded(session, state.settings.embedding_model)
        papers = GaugeMetricFamily("paperfeed_papers", "Visible papers.")
        papers.add_metric([], visible)
        yield papers
        emb = GaugeMetricFamily(
            "paperfeed_papers_embedded", "Visible papers with an embedding under the model."
        )
        emb.add_metric([], embedded)
        yield emb
        yield from _ingest_figures(session)
        yield from _digest_figures(session)
        for source in _SCRAPE_SOURCES:
            try:
                yield from source(session, state.engine, state)
            except SQLAlchemyError as exc:
                session.rollback()
                logger.warning("metrics: %s failed: %s", getattr(source, "__name__", source), exc)


def _ingest_figures(session: Session) -> Iterable[Metric]:
    runs = GaugeMetricFamily(
        "paperfeed_ingest_runs",
        "Ingest runs recorded, by source and status.",
        labels=["source", "status"],
    )
    records = CounterMetricFamily(
        "paperfeed_ingest_records",
        "Records handled by all recorded ingest runs, by source and outcome.",
        labels=["source", "outcome"],
    )
    last_done = GaugeMetricFamily(
        "paperfeed_ingest_last_success_timestamp_seconds",
        "When the last successful ingest run of a source finished (Unix time).",
        labels=["source"],
    )
    by_status = session.execute(
        select(IngestRun.source, IngestRun.status, func.count()).group_by(
            IngestRun.source, IngestRun.status
        )
    )
    for source, status, n in by_status:
        runs.add_metric([source, status], n)
    totals = session.execute(
        select(
            IngestRun.source,
            func.sum(IngestRun.added),
            func.sum(IngestRun.updated),
            func.sum(IngestRun.unchanged),
            func.sum(IngestRun.failed),
        ).group_by(IngestRun.source)
    )
    for source, *counts in totals:
        for outcome, n in zip(("added", "updated", "unchanged", "failed"), counts, strict=True):
            records.add_metric([source, outcome], n or 0)
    finished = session.execute(
        select(IngestRun.source, func.max(IngestRun.finished_at))
        .where(IngestRun.status == "done")
        .group_by(IngestRun.source)
    )
    for source, at in finished:
        if at is not None:
            last_done.add_metric([source], at.timestamp())
    return [runs, records, last_done]


def _digest_figures(session: Session) -> Iterable[Metric]:
    """The digest outbox by status (``pending`` rows that stay are digests not going out)
    and subscriptions by period and status."""
    outbox = GaugeMetricFamily(
        "paperfeed_digest_outbox", "Digest outbox rows by status.", labels=["status"]
    )
    for status, n in session.execute(
        select(DigestOutbox.status, func.count()).group_by(DigestOutbox.status)
    ):
        outbox.add_metric([status], n)
    last_sent = GaugeMetricFamily(
        "paperfeed_digest_last_sent_timestamp_seconds", "When the last digest was sent."
    )
    sent_at = session.scalar(select(func.max(DigestOutbox.sent_at)))
    if sent_at is not None:
        last_sent.add_metric([], sent_at.timestamp())
    subs = GaugeMetricFamily(
        "paperfeed_digest_subscriptions",
        "Digest subscriptions by period and status.",
        labels=["period", "status"],
    )
    for period, status, n in session.execute(
        select(Subscription.period, Subscription.status, func.count()).group_by(
            Subscription.period, Subscription.status
        )
    ):
        subs.add_metric([period, status], n)
    return [outbox, last_sent, subs]


def _index_bytes(state) -> Iterable[Metric]:
    """Sizes of the keyword and vector indexes: their files on SQLite, their relations on
    PostgreSQL (where both live in the database)."""
    family = GaugeMetricFamily(
        "paperfeed_index_bytes", "Size of a search index in bytes.", labels=["index"]
    )
    engine: Engine = state.engine
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                keyword = conn.scalar(
                    text(
                        "SELECT coalesce(pg_relation_size(to_regclass('ix_papers_search_tsv')), 0)"
                    )
                )
                vector = conn.scalar(
                    text(
                        "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c "
                        "WHERE c.relkind = 'i' AND c.relname LIKE 'ix_paper_embeddings_hnsw_%'"
                    )
                )
        else:
            from paperfeed.search.sync import keyword_index_dir

            settings = state.settings
            keyword = _folder_bytes(keyword_index_dir(settings))
            vector = _folder_bytes(settings.resolved_index_dir() / "vector")
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("metrics: index sizes unavailable: %s", exc)
        return []
    family.add_metric(["keyword"], int(keyword or 0))
    family.add_metric(["vector"], int(vector or 0))
    return [family]


def _folder_bytes(path: Path) -> int:
    total = 0
    for f in path.rglob("*"):
        try:  # a sync may replace segment files while we walk
            total += f.stat().st_size if f.is_file() else 0
        except FileNotFoundError:
            continue
    return total
