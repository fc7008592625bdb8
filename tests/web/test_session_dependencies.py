"""One way to get a session (issue 14, item 4).

Guards that every route of the real app is a :class:`ReleasingRoute` (made by
``paperfeed.http.routing.router``: a router made without it holds a sync endpoint's
connection until its response is sent), that endpoints and their dependencies take a
``Session`` or a ``sessionmaker`` only through the typed dependencies of
``paperfeed.http.deps``, that no module of web/, api/ or the HTTP layer reads the sessions
off ``app.state`` itself, and that a ``WriteSession`` commits when its endpoint returns and
rolls back when it raises.
"""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends as DependsMark
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

import paperfeed
from members import app_routes
from paperfeed.app import create_app
from paperfeed.http import deps
from paperfeed.http.deps import ReleasingRoute, WriteSession
from paperfeed.http.routing import router
from paperfeed.settings import Settings
from paperfeed.store.db import make_sessionmaker

SESSION_DEPENDENCIES = {
    deps.get_read_session,
    deps.get_primary_read,
    deps.get_write_session,
    deps.get_primary_sessions,
}
SRC = Path(paperfeed.__file__).parent
# Where the session factories live and are read from app.state: nowhere else.
GETTERS = {SRC / "http" / "deps.py", SRC / "http" / "read_routing.py"}
REACHING_IN = re.compile(r"state\.(sessions|replica_sessions)\b|app_state\b|sessionmaker\(")


@pytest.fixture
def route_app(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'routes.db'}", index_dir=tmp_path, _env_file=None
    )
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


def _is_session_type(annotation) -> bool:
    if annotation in (Session, sessionmaker):
        return True
    return any(_is_session_type(arg) for arg in typing.get_args(annotation)) or (
        typing.get_origin(annotation) is sessionmaker
    )


def _session_parameters(call) -> list[str]:
    """The parameters of ``call`` that take a session, or a factory of them, other than
    through one of the typed dependencies."""
    call = inspect.unwrap(call)
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    hints = typing.get_type_hints(target, include_extras=True)
    wrong = []
    for name, hint in hints.items():
        if name == "return" or not _is_session_type(hint):
            continue
        marks = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, DependsMark)]
        if not any(m.dependency in SESSION_DEPENDENCIES for m in marks):
            wrong.append(f"{getattr(call, '__qualname__', call)}({name})")
    return wrong


def _wrong_parameters(dependant: Dependant) -> list[str]:
    if dependant.call in SESSION_DEPENDENCIES:
        return []
    wrong = _session_parameters(dependant.call) if dependant.call is not None else []
    for sub in dependant.dependencies:
        wrong += _wrong_parameters(sub)
    return wrong


def test_every_route_releases_and_takes_sessions_only_through_the_typed_dependencies(
    route_app,
):
    routes = list(app_routes(route_app))
    assert len(routes) > 50
    plain = [route.path for route in routes if not isinstance(route, ReleasingRoute)]
    assert plain == [], "routers must come from paperfeed.http.routing.router"
    wrong = [bad for route in routes for bad in _wrong_parameters(route.dependant)]
    assert wrong == []


def _own_session(request: Request) -> Session:
    return request.app.state.sessions()


def _taking_its_own_session(session: Annotated[Session, Depends(_own_session)]):
    return {}


def test_the_route_walk_sees_a_router_without_the_class_and_a_session_taken_otherwise():
    """The checks above are not vacuous: they catch what they guard against."""
    plain = APIRouter()
    plain.add_api_route("/x", _taking_its_own_session)
    route = plain.routes[0]
    assert not isinstance(route, ReleasingRoute)
    assert _wrong_parameters(route.dependant) == ["_taking_its_own_session(session)"]


def test_no_module_reads_the_sessions_off_app_state():
    modules = [
        *(SRC / "web").glob("*.py"),
        *(SRC / "api").glob("*.py"),
        *(SRC / "http").glob("*.py"),
    ]
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in modules
        if path not in GETTERS
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if REACHING_IN.search(line)
    ]
    assert found == []


# ---------------------------------------------------------------- WriteSession


@pytest.fixture
def probe_app(engine):
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE session_probe (n INTEGER)"))
    routes = router()

    @routes.post("/write/{n}")
    def write(session: WriteSession, n: int):
        session.execute(text("INSERT INTO session_probe (n) VALUES (:n)"), {"n": n})
        if n < 0:
            raise HTTPException(400, "negative")
        return {"n": n}

    @routes.post("/untouched")
    def untouched(session: WriteSession):
        return {}

    app = FastAPI()
    app.state.sessions = make_sessionmaker(engine)
    app.include_router(routes)
    return app


def _stored(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT n FROM session_probe ORDER BY n")).scalars())


def test_a_write_session_commits_when_its_endpoint_returns_and_rolls_back_when_it_raises(
    probe_app, engine
):
    begun = []  # whether each transaction took the write lock (SQLite: BEGIN IMMEDIATE)
    event.listen(engine, "begin", lambda conn: begun.append(conn.get_execution_options()))
    with TestClient(probe_app) as client:
        assert client.post("/write/1").status_code == 200
        assert client.post("/write/-1").status_code == 400
        assert client.post("/untouched").status_code == 200
    assert [options.get("paperfeed_write") for options in begun] == [True, True]
    assert _stored(engine) == [1]
    assert engine.pool.checkedout() == 0


async def _async_writer(session: WriteSession):
    return {}


def _writing_dependency(session: WriteSession) -> None:
    pass


def _sync_with_a_writing_dependency(_: Annotated[None, Depends(_writing_dependency)]):
    return {}


@pytest.mark.parametrize("endpoint", [_async_writer, _sync_with_a_writing_dependency])
def test_a_write_session_nothing_would_commit_is_refused(endpoint):
    """Only a sync endpoint's own parameter is committed; anywhere else it is an error."""
    with pytest.raises(TypeError, match="WriteSession"):
        router().add_api_route("/w", endpoint, methods=["POST"])
