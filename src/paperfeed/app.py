"""The FastAPI application factory: pages, JSON API, static files, error handlers."""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import paperfeed
from paperfeed.api import account_routes, community_routes, moderation_routes, vote_routes
from paperfeed.api import routes as api_routes
from paperfeed.embed.background import BackgroundEmbedder
from paperfeed.embed.model import use_one_thread_per_query
from paperfeed.embed.query import query_embedder_of
from paperfeed.http import health
from paperfeed.http.auth import (
    PreSessionCookie,
    csrf_field,
    load_auth,
    template_context,
    verify_csrf,
)
from paperfeed.http.body_limit import BodyLimit
from paperfeed.http.cache import ResponseCache, VersionProbe
from paperfeed.http.errors import install_error_handlers
from paperfeed.http.metrics import install_metrics
from paperfeed.http.public_host import PublicHost
from paperfeed.http.read_routing import install_read_routing
from paperfeed.http.security_headers import SecurityHeaders
from paperfeed.mail import make_sender
from paperfeed.search import open_backend, sync_at_startup
from paperfeed.search.catch_up import IndexCatchUp
from paperfeed.search.semantic import QUERY_WORKERS, SemanticSearch
from paperfeed.search.sync import open_vector_index, sync_vector_at_startup
from paperfeed.settings import Settings, get_settings
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.web import (
    account_pages,
    admin_pages,
    api_docs,
    author_pages,
    community_pages,
    feeds,
    pages,
    subscription_pages,
    vote_pages,
)

logger = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"  # the pages' templates and static files
# Anonymous GETs of these are the same for every reader until the data changes.
DB_POOL_SIZE = 16  # database connections per web worker = request-handling threads
CACHED_PREFIXES = ("/papers", "/search", "/api/daily_papers", "/api/papers", "/feeds")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # QUERY_WORKERS more: a hybrid search's semantic leg needs a connection of its own while
    # its request holds one (paperfeed.search.semantic).
    engine = make_engine(
        settings.database_url,
        pool_size=DB_POOL_SIZE + QUERY_WORKERS,
        max_overflow=0,
        pool_timeout=60,
    )
    search_backend = open_backend(settings, engine)
    sessions = make_sessionmaker(engine)
    vector_index = semantic = None
    if settings.semantic_search:
        vector_index = open_vector_index(settings, engine, settings.embedding_model)
        semantic = SemanticSearch(query_embedder_of(settings), vector_index)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Sync routes run in anyio's threadpool (40 threads by default) and each holds a pooled
        # connection; more threads than connections would make them queue inside the pool,
        # unfairly, under overload. Queue requests fairly on the event loop instead.
        anyio.to_thread.current_default_thread_limiter().total_tokens = DB_POOL_SIZE
        await asyncio.to_thread(sync_at_startup, search_backend)
        embedding = None
        if semantic is not None:
            await asyncio.to_thread(use_one_thread_per_query)
            await asyncio.to_thread(sync_vector_at_startup, vector_index)
            threading.Thread(
                target=warm_up, args=(semantic, sessions), name="paperfeed-warm", daemon=True
            ).start()
            if settings.embed_in_background:
                embedding = BackgroundEmbedder(
                    sessions,
                    semantic.embedder,
                    interval=settings.embed_interval_seconds,
                    after_round=lambda: sync_vector_at_startup(vector_index),
                )
                embedding.start()
        app.state.background_embedder = embedding
        # Searches never apply index changes; this thread does (paperfeed.search.catch_up).
        app.state.catch_up = catch_up = IndexCatchUp([search_backend, vector_index])
        catch_up.start()
        app.state.ready = True  # /readyz: start-up is done
        yield
        app.state.ready = False
        if embedding is not None:
            await asyncio.to_thread(embedding.stop)
        await asyncio.to_thread(catch_up.stop)
        search_backend.close()
        if semantic is not None:
            semantic.close()
        engine.dispose()
        for extra in app.state.disposables:
            extra.dispose()

    app = FastAPI(
        title=settings.site_name,
        version=paperfeed.__version__,
        description="Daily papers ranked by the community, with search and an API shaped "
        "like the Hugging Face papers API.",
        lifespan=lifespan,
        # Every route: who is asking (cookie or Bearer), then CSRF on unsafe methods.
        dependencies=[Depends(load_auth), Depends(verify_csrf)],
        docs_url=None,  # ours, with vendored assets and no inline script (web/api_docs.py)
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.disposables = []  # further resources with dispose(), released at shutdown
    app.state.sessions = sessions
    app.state.search = search_backend
    app.state.vector_index = vector_index
    app.state.semantic = semantic
    app.state.background_embedder = None
    app.state.ready = False
    install_read_routing(
        app, settings, pool_size=DB_POOL_SIZE + QUERY_WORKERS
    )  # replica reads (deploy.md)
    app.state.mailer = make_sender(settings)
    app.state.templates = Jinja2Templates(
        directory=WEB / "templates", context_processors=[template_context]
    )
    app.state.templates.env.globals.update(site_name=settings.site_name, csrf_field=csrf_field)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # 413 before reading
    if settings.response_cache_seconds > 0:
        # The version of the data pages are read from: the replica's when there is one.
        read_url = settings.database_replica_url or settings.database_url
        probe = VersionProbe(make_engine(read_url, pool_size=1, max_overflow=0))
        app.state.disposables.append(probe)
        app.add_middleware(
            ResponseCache,
            version=probe,
            prefixes=CACHED_PREFIXES,
            ttl=settings.response_cache_seconds,
            max_bytes=settings.response_cache_bytes,
        )
    app.add_middleware(PublicHost, base_url=settings.base_url)  # outside the cache
    app.add_middleware(PreSessionCookie, settings=settings)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    # In any order: a paper id in a path is matched by the arxiv_id convertor, never by a
    # greedy {...:path}, so no two routes take the same path (tests/web/test_route_order.py).
    for router in (
        pages.router,
        api_routes.router,
        account_routes.router,
        community_routes.router,
        moderation_routes.router,  # claims and admin actions as JSON
        vote_routes.router,
        feeds.router,  # RSS and Atom (docs/feeds.md)
        health.router,
        account_pages.router,
        subscription_pages.router,
        admin_pages.router,
        community_pages.router,
        author_pages.router,
        vote_pages.router,
        api_docs.router,  # /docs and /redoc
    ):
        app.include_router(router)
    pages.install_filters(app.state.templates.env)
    app.add_middleware(SecurityHeaders, settings=settings)  # CSP, nosniff, no-store when signed in
    install_metrics(app)  # last: its middleware is the outermost
    return app


def warm_up(semantic: SemanticSearch, sessions) -> None:
    """Load the query model before the first search needs it (it takes seconds), if there
    is anything to search; a failure is only logged: searches then fall back to keyword."""
    try:
        with sessions() as session:
            if not semantic.has_vectors(session):
                return
        semantic.query_vector("warm up")
    except Exception as exc:
        logger.warning("embedding model not loaded at start-up: %s", exc)
