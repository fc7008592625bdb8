"""``/healthz`` and ``/readyz``: for people and for load balancers.

``/healthz`` says how things stand: is the database reachable and current, how far along is
search by meaning, how far behind is the replica. 503 only when the database cannot be
reached; 200 otherwise, the body says what is degraded.

``/readyz`` answers one question, *may this worker get traffic now*: 200 when start-up is
done, the database (and the replica, if configured) answers and no migration is pending;
503 otherwise, with the reasons. A reverse proxy or orchestrator polls it; a worker that is
starting, shutting down or cut off from the database drops out of rotation.

Neither is cached (outside the response cache's prefixes); both are a handful of queries.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from paperfeed.embed.store import count_embedded
from paperfeed.http import routing
from paperfeed.http.deps import PrimarySessions
from paperfeed.store import migrate

logger = logging.getLogger(__name__)

router = routing.router(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz(request: Request, sessions: PrimarySessions) -> JSONResponse:
    state = request.app.state
    settings = state.settings
    body: dict[str, Any] = {"ok": True}
    try:
        with sessions() as session:
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
        # onnx or torch once the query model is loaded (docs/configuration.md)
        "query_runtime": getattr(semantic.embedder, "runtime", "torch") if semantic else None,
        "vector_index": state.vector_index.name if state.vector_index is not None else None,
        "background_embedding": state.background_embedder is not None,
    }
    body["keyword_index"] = state.search.name
    if state.replica_engine is not None:
        body["replica"] = replica_status(state.replica_engine)
    if current != head:
        body["ok"] = False
    return JSONResponse(body, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    problems: list[str] = []
    if not getattr(state, "ready", False):
        problems.append("starting up or shutting down")
    try:
        current = migrate.current_revision(state.engine)
        if current != migrate.head_revision():
            problems.append(
                f"database at revision {current}, code needs {migrate.head_revision()}: "
                "run `paperfeed db upgrade`"
            )
    except SQLAlchemyError as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        problems.append("database unreachable")
    if state.replica_engine is not None and "error" in (
        replica := replica_status(state.replica_engine)
    ):
        problems.append(f"replica unreachable: {replica['error']}")
    if problems:
        return JSONResponse({"ready": False, "problems": problems}, 503, headers=NO_STORE)
    return JSONResponse({"ready": True}, headers=NO_STORE)


def replica_status(engine) -> dict[str, Any]:
    """Whether the replica answers, whether it is a standby, and its replay lag in seconds
    (the age of the last replayed transaction: it grows while the primary is idle too)."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name != "postgresql":
                conn.execute(text("SELECT 1"))
                return {"reachable": True}
            standby, lag = conn.execute(
                text(
                    "SELECT pg_is_in_recovery(), "
                    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
                )
            ).one()
    except SQLAlchemyError as exc:
        logger.warning("health check: replica unreachable: %s", exc)
        return {"reachable": False, "error": type(exc).__name__}
    return {
        "reachable": True,
        "standby": bool(standby),
        "replay_lag_seconds": None if lag is None else round(float(lag), 3),
    }
