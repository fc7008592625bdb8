"""The models are split over modules (``store/models.py``, ``store/digest_models.py``) on one
``Base``; what takes ``Base.metadata`` as the whole schema must still see every table. Guards
the migrations' env (else ``alembic check`` would want to drop the digest tables) and the
database copy (else ``paperfeed db copy`` would silently skip them), on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

import paperfeed
from paperfeed.store import migrate
from paperfeed.store.db import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_models_and_migrations_agree(engine):
    command.check(migrate.alembic_config(engine))  # raises if autogenerate finds a difference


def test_copy_sees_every_table_of_the_schema(engine):
    """In a fresh process, so that no test has imported a model module for it."""
    src = str(Path(paperfeed.__file__).parents[1])
    code = "from paperfeed.store.copy import tables; print(' '.join(t.name for t in tables()))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    migrated = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert set(out.split()) == migrated
