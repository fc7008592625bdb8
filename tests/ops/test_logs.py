"""PAPERFEED_LOG_FORMAT=json: a real `paperfeed serve` writes one JSON object per log line,
its access log with the request's fields as fields."""

from __future__ import annotations

import json

import httpx
import pytest
from ops_helpers import serve_env, serving


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_serve_logs_json_lines(settings, tmp_path):
    env = serve_env(settings, log_format="json")
    log = tmp_path / "serve.log"
    with serving(env, log) as base:
        assert httpx.get(base + "/papers?p=1").status_code == 200
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    banner, *logged = lines
    assert banner.startswith("paperfeed on http://")  # the command's own message
    records = [json.loads(line) for line in logged]  # every log line is JSON
    assert all({"time", "level", "logger", "message", "pid"} <= r.keys() for r in records)
    access = [
        r for r in records if r["logger"] == "uvicorn.access" and r.get("path") == "/papers?p=1"
    ]
    assert access and access[0]["method"] == "GET" and access[0]["status"] == 200
    assert any("Application startup complete" in r["message"] for r in records)
