"""Library fixtures: an app without the embedding model (topics fall back to words)."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False})
