"""The FastAPI application factory: pages, JSON API, static files, error handlers."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import paperfeed
from paperfeed.api import routes as api_routes
from paperfeed.search import open_backend, sync_at_startup
from paperfeed.settings import Settings, get_settings
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.web.cache import ResponseCache, VersionProbe
from paperfeed.web.errors import install_error_handlers
from paperfeed.web.pages import install_pages

HERE = Path(__file__).parent
# Anonymous GETs of these are the same for every reader until the data changes.
DB_POOL_SIZE = 16  # database connections per web worker = request-handling threads
CACHED_PREFIXES = ("/papers", "/search", "/api/daily_papers", "/api/papers")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(
        settings.database_url, pool_size=DB_POOL_SIZE, max_overflow=0, pool_timeout=60
    )
    search_backend = open_backend(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Sync routes run in anyio's threadpool (40 threads by default) and each holds a pooled
        # connection; more threads than connections would make them queue inside the pool,
        # unfairly, under overload. Queue requests fairly on the event loop instead.
        anyio.to_thread.current_default_thread_limiter().total_tokens = DB_POOL_SIZE
        await asyncio.to_thread(sync_at_startup, search_backend)
        yield
        search_backend.close()
        engine.dispose()
        for extra in app.state.disposables:
            extra.dispose()

    app = FastAPI(
        title=settings.site_name,
        version=paperfeed.__version__,
        description="Daily papers ranked by the community, with search and an API shaped "
        "like the Hugging Face papers API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.disposables = []  # further resources with dispose(), released at shutdown
    app.state.sessions = make_sessionmaker(engine)
    app.state.search = search_backend
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.globals.update(site_name=settings.site_name)
    install_error_handlers(app)
    if settings.response_cache_seconds > 0:
        probe = VersionProbe(make_engine(settings.database_url, pool_size=1, max_overflow=0))
        app.state.disposables.append(probe)
        app.add_middleware(
            ResponseCache,
            version=probe,
            prefixes=CACHED_PREFIXES,
            ttl=settings.response_cache_seconds,
        )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_routes.router)
    install_pages(app)
    return app
