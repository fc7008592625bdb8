"""Request bodies above ``max_body_bytes`` are refused with 413 before they are read (issue 12
item 10): the app used to read a 50 MB JSON body into memory, parse it, and only then refuse
it. At the ASGI level the tests count what the app pulled from the receive channel; over
real HTTP (uvicorn) they stream 50 MB and see the answer come back before it is sent."""

from __future__ import annotations

import json
import select
import socket
import time
from urllib.parse import urlsplit

import pytest

from live_server import serve

MB50 = 50 * 2**20
CHUNK = b"x" * 2**16
LIMIT = 2**20  # the default

JSON_ROUTE = "/api/papers/2611.00001/comments"  # a JSON body
FORM_ROUTE = "/login"  # a form page


class Body:
    """An ASGI receive channel holding a ``total``-byte body in 64 KiB chunks; counts pulls."""

    def __init__(self, total: int):
        self.left = total
        self.pulled = 0

    async def receive(self):
        if self.left <= 0:
            return {"type": "http.disconnect"}
        n = min(len(CHUNK), self.left)
        self.left -= n
        self.pulled += n
        return {"type": "http.request", "body": CHUNK[:n], "more_body": self.left > 0}


def asgi_request(client, path: str, body: Body, headers: dict[str, str]):
    """Call the app as a server would; returns (status, headers, body) of the answer."""
    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    client.portal.call(client.app, scope, body.receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict((k.decode(), v.decode()) for k, v in start["headers"]), content


@pytest.fixture
def paper(paper_factory):
    return paper_factory(arxiv_id="2611.00001", title="A paper")


@pytest.mark.parametrize(
    "path, content_type",
    [(JSON_ROUTE, "application/json"), (FORM_ROUTE, "application/x-www-form-urlencoded")],
)
def test_a_declared_50_mb_body_is_refused_without_reading_a_byte(client, paper, path, content_type):
    body = Body(MB50)
    status, headers, content = asgi_request(
        client, path, body, {"content-type": content_type, "content-length": str(MB50)}
    )
    assert status == 413
    assert body.pulled == 0  # the receive channel was never touched
    assert headers["connection"] == "close"  # so the server does not drain it either
    if path.startswith("/api/"):
        error = json.loads(content)
        assert error["ok"] is False and error["status"] == 413
        assert "too large" in error["error"] and "1 MiB" in error["error"]
    else:
        assert "text/html" in headers["content-type"]
        assert b"Request body too large" in content


@pytest.mark.parametrize(
    "path, content_type",
    [(JSON_ROUTE, "application/json"), (FORM_ROUTE, "application/x-www-form-urlencoded")],
)
def test_a_50_mb_body_without_a_length_is_read_only_to_the_limit(client, paper, path, content_type):
    body = Body(MB50)
    status, headers, content = asgi_request(client, path, body, {"content-type": content_type})
    assert status == 413, content[:300]
    assert LIMIT < body.pulled <= LIMIT + len(CHUNK)  # stopped at the chunk past the limit
    assert body.left > MB50 - 2 * LIMIT
    assert b"too large" in content


def test_bodies_within_the_limit_reach_the_routes(client, paper):
    near = {"body": "x" * (LIMIT - 100)}
    r = client.post(JSON_ROUTE, json=near)
    assert r.status_code not in (413, 500), r.text[:200]  # 401: nobody signed in
    r = client.post(FORM_ROUTE, data={"username": "a", "password": "b" * 1000})
    assert r.status_code not in (413, 500)


def test_the_limit_is_a_setting(settings, paper_factory):
    from fastapi.testclient import TestClient

    from paperfeed.app import create_app

    app = create_app(settings.model_copy(update={"max_body_bytes": 1000}))
    with TestClient(app) as client:
        assert client.post(JSON_ROUTE, json={"body": "x" * 2000}).status_code == 413
        assert client.post(JSON_ROUTE, json={"body": "x" * 900}).status_code != 413


def _read_answer(sock: socket.socket, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    return data


def test_a_real_server_answers_413_before_a_50_mb_upload_is_sent(app, paper):
    with serve(app) as base:
        host = urlsplit(base)
        address = (host.hostname, host.port)
        # Declared length: the answer comes back with nothing of the body sent.
        with socket.create_connection(address) as sock:
            sock.sendall(
                f"POST {JSON_ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {MB50}\r\n\r\n".encode()
            )
            answer = _read_answer(sock)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
            assert b"connection: close" in answer.lower()
        # Chunked: streamed until the answer arrives; far less than 50 MB is ever sent.
        with socket.create_connection(address) as sock:
            sock.sendall(
                f"POST {JSON_ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            sent, started = 0, time.monotonic()
            chunk = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
            while sent < MB50 and time.monotonic() - started < 30:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is there
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(CHUNK)
            answer = _read_answer(sock)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
            assert sent < MB50 / 4, sent  # the limit plus what the socket buffers held
