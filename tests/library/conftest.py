"""Library fixtures: an app without the embedding model or the response cache, and a
generous write limit unless a test sets its own."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "response_cache_seconds": 0,
            "base_url": "http://testserver",
            "rate_limit_login_ip": "100/minute",
            "rate_limit_login_account": "100/minute",
            "rate_limit_writes": "200/minute",
        }
    )
