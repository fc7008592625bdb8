"""The FastAPI application factory: pages, JSON API, static files, error handlers."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import paperfeed
from paperfeed.api import routes as api_routes
from paperfeed.search import open_backend, sync_at_startup
from paperfeed.settings import Settings, get_settings
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.web.cache import ResponseCache
from paperfeed.web.errors import install_error_handlers
from paperfeed.web.pages import install_pages

HERE = Path(__file__).parent
# Anonymous GETs of these are the same for every reader until the data changes.
CACHED_PREFIXES = ("/papers", "/search", "/api/daily_papers", "/api/papers")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    search_backend = open_backend(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.to_thread(sync_at_startup, search_backend)
        yield
        search_backend.close()
        engine.dispose()

    app = FastAPI(
        title=settings.site_name,
        version=paperfeed.__version__,
        description="Daily papers ranked by the community, with search and an API shaped "
        "like the Hugging Face papers API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.search = search_backend
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.globals.update(site_name=settings.site_name)
    install_error_handlers(app)
    if settings.response_cache_seconds > 0:
        app.add_middleware(
            ResponseCache,
            engine=engine,
            prefixes=CACHED_PREFIXES,
            ttl=settings.response_cache_seconds,
        )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_routes.router)
    install_pages(app)
    return app
