"""Digest fixtures: a real SMTP server (aiosmtpd on 127.0.0.1, with the shared ``Inbox``
handler of tests/smtp.py or a scripted one that refuses, stalls or hangs up), papers on the
feed of the period the digests cover, and subscriptions made through the service."""

from __future__ import annotations

import logging

import pytest
from digest_helpers import Scripted

from smtp import smtp_server, smtp_settings


@pytest.fixture(autouse=True)
def restore_logging():
    """``paperfeed worker`` sets up the process's logging, in-process under CliRunner too:
    give the next test the logging it had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
            **smtp_settings(smtp),
            "semantic_search": False,
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
