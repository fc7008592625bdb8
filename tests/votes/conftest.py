"""Vote fixtures: an app without the embedding model."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False})
