"""``/healthz``: is the database reachable and current, and how far along is search by meaning.

Never cached (outside the response cache's prefixes) and cheap: a handful of counts. Status
503 when the database cannot be reached, 200 otherwise; the body says what is degraded.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from paperfeed.embed.store import count_embedded
from paperfeed.store import migrate

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    settings = state.settings
    body: dict[str, Any] = {"ok": True}
    try:
        with state.sessions() as session:
            embedded, visible = count_embedded(session, settings.embedding_model)
        current = migrate.current_revision(state.engine)
    except SQLAlchemyError as exc:
        logger.warning("health check: database unreachable: %s", exc)
        return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
    head = migrate.head_revision()
    body["database"] = "ok"
    body["migrations"] = "current" if current == head else f"at {current}, code needs {head}"
    body["papers"] = visible
    semantic = state.semantic
    body["semantic_search"] = {
        "enabled": semantic is not None,
        "model": settings.embedding_model,
        "embedded": embedded,
        "pending": visible - embedded,
        "model_loaded": bool(semantic is not None and getattr(semantic.embedder, "loaded", False)),
        "vector_index": state.vector_index.name if state.vector_index is not None else None,
        "background_embedding": state.background_embedder is not None,
    }
    if current != head:
        body["ok"] = False
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
