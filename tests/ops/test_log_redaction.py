"""Secrets in URLs never reach the log (issue 12, item 10): a real `paperfeed serve` with its
access log, in text and JSON, asked for the reset, confirmation and unsubscribe links (their
``token=``) and for a URL holding an API token."""

from __future__ import annotations

import json

import httpx
import pytest
from ops_helpers import serve_env, serving

from paperfeed.logs import redact

SECRET = "S3cretT0kenValue-abcdefghijklmnop"
API_TOKEN = "pf_" + "Q" * 43
LINKS = [
    f"/reset/confirm?token={SECRET}",
    f"/signup/confirm?token={SECRET}",
    f"/subscribe/confirm?token={SECRET}",
    f"/unsubscribe?token={SECRET}&list=daily",
    f"/api/whoami-v2?access_token={API_TOKEN}",
    f"/papers?p=1&key={SECRET}",
]


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_log_redacts_tokens_in_urls(settings, tmp_path, log_format):
    log = tmp_path / "serve.log"
    with serving(serve_env(settings, log_format=log_format), log) as base:
        for link in LINKS:
            assert httpx.get(base + link).status_code < 500
    text = log.read_text()
    assert SECRET not in text and API_TOKEN not in text, text
    lines = [line for line in text.splitlines() if "[redacted]" in line]
    assert len(lines) == len(LINKS), text  # one access line each, still there
    assert any("/unsubscribe?token=[redacted]&list=daily" in line for line in lines)
    if log_format == "json":
        paths = {json.loads(line).get("path") for line in lines}
        assert "/reset/confirm?token=[redacted]" in paths


def test_redact_keeps_what_is_not_a_secret():
    assert redact("/search?q=tokenization&mode=hybrid") == "/search?q=tokenization&mode=hybrid"
    assert redact("/papers/2611.00001?p=2") == "/papers/2611.00001?p=2"
    assert redact("/reset?TOKEN=x&a=1") == "/reset?TOKEN=[redacted]&a=1"
    assert redact(f"Authorization: Bearer {API_TOKEN}") == "Authorization: Bearer [redacted]"
