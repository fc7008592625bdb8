"""For-you surface fixtures: an app without the embedding model (the ranker works from the
papers' words and categories then, and the tests stay fast)."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False})
