"""Serve an ASGI app with uvicorn on a free 127.0.0.1 port, in a thread, for real-HTTP tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to ``port`` (0: a free one) on 127.0.0.1, not yet listening: bind
    it before building an app whose ``base_url`` must name its port, then ``serve`` on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@contextmanager
def serve(app, timeout: float = 20, sock: socket.socket | None = None) -> Iterator[str]:
    """Yield the base URL while ``app`` is being served (on ``sock`` if given, from
    :func:`bound_socket`); stop the server afterwards."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
