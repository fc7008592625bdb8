"""An unhandled error is answered 500 and its traceback logged once (issue 12 item 7: the
OverflowError of a date at the edge was logged twice). Starlette's last-resort handler
answered, logged, then re-raised the error so that the server logged it again; now the
answer is given inside the app (http/errors.py UnhandledErrors) and nothing escapes to the
server, except an error after the response started, which the server alone logs."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.responses import StreamingResponse

from live_server import serve

# seconds: the error page's first render on a loaded machine took over httpx's default 5 s
TIMEOUT = 60


class Tracebacks(logging.Handler):
    """Collects the records with a traceback of the app's loggers and of uvicorn's."""

    NAMES = ("", "uvicorn", "uvicorn.error")

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def attach(self):  # once the server runs: uvicorn's logging set-up drops its handlers
        for name in self.NAMES:
            logging.getLogger(name).addHandler(self)

    def emit(self, record):
        if record.exc_info and all(r is not record for r in self.records):  # propagated
            self.records.append(record)


@pytest.fixture
def failing_app(app):
    def boom():
        raise RuntimeError("boom in a route")

    def late():
        def body():
            yield b"first part\n"
            raise RuntimeError("boom mid-stream")

        return StreamingResponse(body(), media_type="text/plain")

    app.add_api_route("/api/test-boom", boom)
    app.add_api_route("/test-boom", boom)
    app.add_api_route("/test-late-boom", late)
    return app


@pytest.fixture
def tracebacks():
    handler = Tracebacks()
    yield handler
    for name in Tracebacks.NAMES:
        logging.getLogger(name).removeHandler(handler)


def test_an_unhandled_error_is_one_500_and_one_traceback(failing_app, tracebacks):
    with serve(failing_app) as base:
        tracebacks.attach()
        api = httpx.get(base + "/api/test-boom", timeout=TIMEOUT)
        page = httpx.get(base + "/test-boom", timeout=TIMEOUT)
        still = httpx.get(base + "/api/daily_papers", timeout=TIMEOUT)
        assert still.status_code == 200  # still serving
    assert api.status_code == 500
    assert api.json() == {
        "ok": False,
        "error": "Internal error; it has been logged.",
        "status": 500,
    }
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    # The answer passed through the app's middlewares (the request metrics', the security
    # headers'), which Starlette's last-resort 500 skipped.
    assert api.headers["x-paperfeed-worker"]
    for answer in (api, page):
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    logged = [(r.name, str(r.exc_info[1])) for r in tracebacks.records]
    assert logged == [
        ("paperfeed.http.errors", "boom in a route"),
        ("paperfeed.http.errors", "boom in a route"),
    ]


def test_an_error_after_the_response_started_is_logged_once_by_the_server(failing_app, tracebacks):
    with serve(failing_app) as base, pytest.raises(httpx.HTTPError):
        tracebacks.attach()
        httpx.get(base + "/test-late-boom", timeout=TIMEOUT).read()
    logged = [str(r.exc_info[1]) for r in tracebacks.records]
    assert logged == ["boom mid-stream"]
