"""``paperfeed serve``: starts uvicorn on the app factory, never on a stale schema."""

from __future__ import annotations

import pytest

from paperfeed.cli.serve import APP_FACTORY
from paperfeed.logs import log_config


@pytest.fixture
def uvicorn_calls(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    return calls


def test_serve_runs_uvicorn_on_the_factory(run, uvicorn_calls):
    result = run("serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert uvicorn_calls == [
        (
            (APP_FACTORY,),
            {
                "factory": True,
                "host": "0.0.0.0",
                "port": 8123,
                "workers": 2,
                "reload": False,
                "log_level": "info",
                # our logging config (it redacts tokens in URLs), and X-Forwarded-For
                # believed from no one while PAPERFEED_TRUSTED_PROXIES is unset
                "log_config": log_config("text"),
                "proxy_headers": False,
            },
        )
    ]
    assert "http://0.0.0.0:8123 (2 workers)" in result.output


def test_serve_refuses_pending_migrations_and_names_the_command(
    run, empty_settings, uvicorn_calls, backend
):
    if backend == "sqlite":
        from paperfeed.store.db import make_engine

        engine = make_engine(empty_settings.database_url)
        with engine.connect():
            pass
        engine.dispose()
    result = run("serve", settings=empty_settings)
    assert result.exit_code == 1
    assert "paperfeed db upgrade" in result.output
    assert uvicorn_calls == []


def test_serve_rejects_reload_with_several_workers(run, uvicorn_calls):
    result = run("serve", "--reload", "--workers", "2")
    assert result.exit_code == 2
    assert "--reload runs a single worker" in result.output
    assert uvicorn_calls == []


def test_app_factory_import_string_names_create_app():
    from uvicorn.importer import import_from_string

    from paperfeed.app import create_app

    assert import_from_string(APP_FACTORY) is create_app


def test_demo_serves_with_the_same_logging_and_proxy_options(run, uvicorn_calls, monkeypatch):
    # `make demo` runs this command: its access log redacts tokens and it believes no
    # X-Forwarded-For, as `serve` does (issue 12 items 9/10).
    from paperfeed.cli import demo

    monkeypatch.setattr(demo, "load_demo", lambda settings: demo.DemoLoad(added=0, embedded=0))
    monkeypatch.delenv("PAPERFEED_TRUSTED_PROXIES", raising=False)
    result = run("demo", "--port", "8124")
    assert result.exit_code == 0, result.output
    [(args, options)] = uvicorn_calls
    assert args == (APP_FACTORY,) and options["port"] == 8124
    assert options["log_config"] == log_config("text") and options["proxy_headers"] is False
