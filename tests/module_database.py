"""Databases that last a whole test module (or class), for tests that share one expensive
site, such as a live server: a fresh migrated database copied from the session's template
(tests/conftest.py), and the backends as xdist groups so that all the tests of one database
run on one worker, in order, and the site starts once."""

from __future__ import annotations

import itertools
import os
import shutil

import pytest
from sqlalchemy import text

BACKENDS = ["sqlite", "postgresql"]  # every database test runs on both (tests/conftest.py)
_names = itertools.count()


def grouped(backends: list[str], name: str) -> list:
    """The backends as fixture params, each one xdist group (``--dist loadgroup``): all the
    tests of one database on one worker, in order, so its server starts once."""
    return [pytest.param(b, marks=pytest.mark.xdist_group(f"{name}-{b}")) for b in backends]


def database_for(backend: str, request, tmp_path, prefix: str = "m") -> str:
    """The URL of a fresh migrated database on ``backend``, dropped when ``request`` ends."""
    if backend == "sqlite":
        path = tmp_path / "paperfeed.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return new_pg_database(request, prefix, "paperfeed_template")


def new_pg_database(request, prefix: str, template: str | None = None) -> str:
    """The URL of a new PostgreSQL database on the session's server (a copy of ``template``,
    or empty), dropped when ``request`` (a test's, a module's) ends."""
    server, admin = request.getfixturevalue("pg_server")
    name = f"{prefix}_{os.getpid()}_{next(_names)}"
    clause = f" TEMPLATE {template}" if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    request.addfinalizer(drop)
    return server.get_uri(database=name, driver="psycopg")
