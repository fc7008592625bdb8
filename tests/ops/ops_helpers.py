"""Servers for the operations tests: free loopback ports, and `paperfeed serve` run as a
real process (several workers) until it is ready."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def serve_env(settings, **extra: str) -> dict[str, str]:
    """The environment of a `paperfeed serve` on the test's database, search by meaning off
    (no model to load); ``extra``: further settings by name, e.g. ``log_format="json"``."""
    env = {
        "PAPERFEED_DATABASE_URL": settings.database_url,
        "PAPERFEED_INDEX_DIR": str(settings.resolved_index_dir()),
        "PAPERFEED_SEMANTIC_SEARCH": "false",
    }
    return env | {f"PAPERFEED_{name.upper()}": value for name, value in extra.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict[str, str], log: Path, *args: str, timeout: float = 90) -> Iterator[str]:
    """Run ``paperfeed serve`` with ``args`` on a free loopback port, its output to ``log``;
    yield its base URL once /readyz answers 200; stop it (SIGTERM, then SIGKILL) afterwards."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "serve", "--port", str(port), *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"paperfeed serve exited with {proc.returncode}:\n{log.read_text()}"
                )
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("paperfeed serve did not become ready")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
