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
from starlette.routing import Route

import paperfeed
from paperfeed.api import (
    account_routes,
    community_routes,
    follow_routes,
    for_you_routes,
    library_io_routes,
    library_routes,
    moderation_routes,
    organization_routes,
    save_routes,
    vote_routes,
)
from paperfeed.api import routes as api_routes
from paperfeed.embed.background import BackgroundEmbedder
from paperfeed.embed.model import use_one_thread_per_query
from paperfeed.http import health
from paperfeed.http.auth import PreSessionCookie, load_auth, verify_csrf
from paperfeed.http.body_limit import BodyLimit
from paperfeed.http.cache import ResponseCache, VersionProbe
from paperfeed.http.errors import install_error_handlers
from paperfeed.http.metrics import install_metrics
from paperfeed.http.public_host import PublicHost
from paperfeed.http.read_routing import install_read_routing
from paperfeed.http.search_slots import make_search_slots
from paperfeed.http.security_headers import SecurityHeaders
from paperfeed.mcp.http_app import PATH as MCP_PATH
from paperfeed.mcp.http_app import McpEndpoint, http_server
from paperfeed.runtime import Runtime
from paperfeed.search import sync_at_startup
from paperfeed.search.catch_up import IndexCatchUp
from paperfeed.search.semantic import SemanticSearch
from paperfeed.search.sync import sync_vector_at_startup
from paperfeed.settings import Settings, get_settings
from paperfeed.web import (
    account_pages,
    admin_pages,
    api_docs,
    author_pages,
    community_pages,
    feeds,
    follow_pages,
    for_you_feed,
    for_you_pages,
    for_you_start,
    library_forms,
    library_io_pages,
    library_pages,
    markdown_pages,
    organization_pages,
    pages,
    password_reset_pages,
    personal_digest_pages,
    save_control,
    subscription_pages,
    vote_pages,
)
from paperfeed.web.member_pages import MemberPages
from paperfeed.web.templating import make_templates

logger = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"  # the pages' templates and static files
# Anonymous GETs of these are the same for every reader until the data changes.
DB_POOL_SIZE = 16  # database connections per web worker = request-handling threads
# Connections of the pool that member pages hold for good (web/member_pages.py: the member
# parts' reads and the session probe): outside the request threads' and semantic legs' share,
# or 16 requests holding theirs wait for a leg that waits for a connection (a deadlock until
# the pool's timeout: every hybrid search stalled once a member had been served).
HELD_CONNECTIONS = 2
CACHED_PREFIXES = (
    "/papers",
    "/search",
    "/api/daily_papers",
    "/api/papers",
    "/feeds",
    "/organizations",
    "/api/organizations",
)


# In any order: a paper id in a path is matched by the arxiv_id convertor, never by a
# greedy {...:path}, so no two routes take the same path (tests/web/test_route_order.py).
UPLOAD_PATHS = ("/library/import", "/api/library/import")

ROUTERS = (
    pages.router,
    markdown_pages.router,  # /papers/{id}.md (docs/api.md)
    api_routes.router,
    account_routes.router,
    community_routes.router,
    moderation_routes.router,  # claims and admin actions as JSON
    vote_routes.router,
    library_routes.router,  # collections and their papers (docs/library.md#api)
    save_routes.router,  # the one-click Save
    feeds.router,  # RSS and Atom (docs/feeds.md)
    health.router,
    account_pages.router,
    password_reset_pages.router,  # /reset: a forgotten password
    subscription_pages.router,
    personal_digest_pages.router,  # For you / Following by email (docs/digests.md)
    admin_pages.router,
    community_pages.router,
    author_pages.router,
    vote_pages.router,
    library_pages.router,  # /library and /collections/{key}
    library_forms.router,
    save_control.router,  # the Save form of cards and paper pages
    api_docs.router,  # /docs and /redoc
    for_you_pages.router,  # /for-you (docs/for-you-pages.md)
    for_you_start.router,  # /for-you/start: the cold start
    for_you_feed.router,  # the private Atom feed of /for-you
    for_you_routes.router,  # /api/for-you, /api/prefs, /api/feedback
    library_io_pages.router,  # /library/import and /library/export
    library_io_routes.router,  # /api/library/import and /api/library/export
    follow_routes.router,  # /api/follows, /api/following
    follow_pages.router,  # /following, /follows
    organization_pages.router,  # /organizations/{name} (docs/hf-fields.md)
    organization_routes.router,  # /api/organizations/{name}/papers
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # More than the request threads: the connections member pages hold.
    runtime = Runtime.open(settings, pool_size=DB_POOL_SIZE + HELD_CONNECTIONS)
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
    install_state(app, runtime)
    install_templates(app, settings)
    install_error_handlers(app)
    install_middleware(app, runtime)
    install_routes(app)
    return app


def install_state(app: FastAPI, runtime: Runtime) -> None:
    """What handlers read from ``app.state``: the runtime, and its pieces by name."""
    app.state.runtime = runtime
    app.state.settings = runtime.settings
    app.state.engine = runtime.engine
    app.state.version_probe = None  # the response cache's held connection, if caching
    app.state.session_probe = None  # member pages' held connection (sessions), once built
    app.state.sessions = runtime.sessions
    app.state.search = runtime.search
    app.state.passages = runtime.passages
    app.state.vector_index = runtime.vector_index
    app.state.semantic = runtime.semantic
    app.state.search_slots = make_search_slots(runtime.settings.search_concurrency)
    app.state.mailer = runtime.mailer
    app.state.background_embedder = None
    # The MCP server over streamable HTTP (docs/mcp.md); its session manager runs in the lifespan.
    app.state.mcp = McpEndpoint(http_server(), runtime.settings)
    app.state.ready = False


def install_templates(app: FastAPI, settings: Settings) -> None:
    app.state.templates = make_templates(settings)


def install_middleware(app: FastAPI, runtime: Runtime) -> None:
    """Every middleware, innermost first (each one added wraps those before it)."""
    settings = runtime.settings
    install_read_routing(  # replica reads (deploy.md)
        app, settings, runtime.replica_engine, runtime.replica_sessions
    )
    # 413 before reading; a library import uploads a file of up to import_max_bytes.
    upload = settings.import_max_bytes + 2**16  # the form's own fields and boundaries
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={path: max(upload, settings.max_body_bytes) for path in UPLOAD_PATHS},
    )
    if settings.response_cache_seconds > 0:
        # The version of the data pages are read from: the replica's when there is one.
        # The probe holds one connection of the runtime's probe engine (the runtime disposes
        # the engine); the lifespan closes the connection.
        probe = app.state.version_probe = VersionProbe(runtime.probe_engine)
        app.add_middleware(  # signed-in readers' pages from shared parts (member-pages.md)
            MemberPages,
            fastapi_app=app,
            sessions=runtime.sessions,
            version=probe,
            ttl=settings.response_cache_seconds,
            max_bytes=settings.response_cache_bytes,
        )
        app.add_middleware(
            ResponseCache,
            version=probe,
            prefixes=CACHED_PREFIXES,
            ttl=settings.response_cache_seconds,
            max_bytes=settings.response_cache_bytes,
        )
    app.add_middleware(PublicHost, base_url=settings.base_url)  # outside the cache
    app.add_middleware(PreSessionCookie, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)  # CSP, nosniff, no-store when signed in
    install_metrics(app)  # last: its middleware is the outermost


def install_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    # An ASGI endpoint at exactly /mcp (a Mount would redirect /mcp to /mcp/): the app's
    # middleware wraps it like every route (paperfeed/mcp/http_app.py).
    app.router.routes.append(Route(MCP_PATH, endpoint=app.state.mcp, name="mcp"))


@asynccontextmanager
async def lifespan(app: FastAPI):
    runtime: Runtime = app.state.runtime
    # Sync routes run in anyio's threadpool (40 threads by default) and each holds a pooled
    # connection; more threads than connections would make them queue inside the pool,
    # unfairly, under overload. Queue requests fairly on the event loop instead.
    anyio.to_thread.current_default_thread_limiter().total_tokens = DB_POOL_SIZE
    await asyncio.to_thread(sync_at_startup, runtime.search)
    if runtime.passages is not None:
        await asyncio.to_thread(sync_at_startup, runtime.passages)
    if runtime.semantic is not None:
        app.state.background_embedder = await start_semantic(runtime)
    # Searches never apply index changes; this thread does (paperfeed.search.catch_up).
    app.state.catch_up = catch_up = IndexCatchUp([runtime.search, runtime.vector_index])
    catch_up.start()
    async with app.state.mcp.running():
        app.state.ready = True  # /readyz: start-up is done
        yield
        app.state.ready = False
    if app.state.background_embedder is not None:
        await asyncio.to_thread(app.state.background_embedder.stop)
    await asyncio.to_thread(catch_up.stop)  # before the indexes close
    for probe in (app.state.version_probe, app.state.session_probe):
        if probe is not None:
            probe.close()
    runtime.close()


async def start_semantic(runtime: Runtime) -> BackgroundEmbedder | None:
    """Search by meaning at start-up: one thread per query, the vector index synced, the
    query model warmed up in a thread; and the background embedder, if configured."""
    semantic, settings = runtime.semantic, runtime.settings
    await asyncio.to_thread(use_one_thread_per_query)
    await asyncio.to_thread(sync_vector_at_startup, semantic.index)
    threading.Thread(
        target=warm_up, args=(semantic, runtime.sessions), name="paperfeed-warm", daemon=True
    ).start()
    if not settings.embed_in_background:
        return None
    embedding = BackgroundEmbedder(
        runtime.sessions,
        semantic.embedder,
        interval=settings.embed_interval_seconds,
        after_round=lambda: sync_vector_at_startup(semantic.index),
        keywords=settings.local_keywords,
    )
    embedding.start()
    return embedding


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
