"""Digest fixtures: a real SMTP server (aiosmtpd on 127.0.0.1, with the shared ``Inbox``
handler of tests/smtp.py or a scripted one that refuses, stalls or hangs up), papers on the
feed of the period the digests cover, and subscriptions made through the service."""

from __future__ import annotations

import pytest
from digest_helpers import Scripted

from smtp import smtp_server


@pytest.fixture
def handler():
    """The SMTP server's behaviour; tests script it (see digest_helpers.Scripted)."""
    return Scripted()


@pytest.fixture
def smtp(handler):
    with smtp_server(handler) as controller:
        yield controller
        handler.release()  # a hung DATA must not keep the server from stopping


@pytest.fixture
def inbox(handler):
    return handler


@pytest.fixture
def settings(settings, smtp):
    return settings.model_copy(
        update={
            "semantic_search": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "smtp_timeout": 10,
            "base_url": "https://papers.example.org",
            "mail_from": "Papers <digest@papers.example.org>",
            "digest_retry_seconds": 0.01,
            "rate_limit_subscribe": "30/minute",
            "response_cache_seconds": 0,
            "session_cookie_secure": False,  # TestClient speaks plain http
        }
    )


@pytest.fixture
def feed(paper_factory):
    """Papers of the period the digests cover (2026-11-19, in ISO week 2026-W47)."""
    from digest_helpers import add_feed

    return add_feed(paper_factory)
