"""deploy/nginx.conf: accepted by `nginx -t`, and run for real in front of two
`paperfeed serve` processes (its ports swapped for free ones)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from ops_helpers import free_port, serve_env, serving

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
HOST = "paperfeed.example.org"  # the config's server_name; any other Host is refused
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

# `make test` installs nginx (scripts/system-deps.sh); a developer without it skips these.
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx not installed (scripts/system-deps.sh)"
)


def _prefix(tmp_path: Path, text: str) -> Path:
    for sub in ("logs", "run", "tmp"):
        (tmp_path / sub).mkdir(exist_ok=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    return conf


def _nginx(tmp_path: Path, conf: Path, *args: str, **kwargs):
    return subprocess.run(
        [NGINX, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", *args],
        capture_output=True,
        text=True,
        timeout=30,
        **kwargs,
    )


def test_nginx_accepts_the_config(tmp_path):
    conf = _prefix(tmp_path, CONF.read_text())
    result = _nginx(tmp_path, conf, "-t")
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def _with_ports(listen: int, upstreams: list[int]) -> str:
    text = CONF.read_text().replace("listen 8080", f"listen 127.0.0.1:{listen}")
    servers = iter(upstreams)
    return re.sub(r"server 127\.0\.0\.1:800\d", lambda _: f"server 127.0.0.1:{next(servers)}", text)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_nginx_balances_over_two_app_servers(settings, tmp_path):
    env = serve_env(settings)
    with (
        serving(env, tmp_path / "app1.log") as app1,
        serving(env, tmp_path / "app2.log") as app2,
    ):
        listen = free_port()
        ports = [int(app1.rsplit(":", 1)[1]), int(app2.rsplit(":", 1)[1])]
        conf = _prefix(tmp_path, _with_ports(listen, ports))
        proc = subprocess.Popen(
            [NGINX, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{listen}"
            client = httpx.Client(headers={"Host": HOST})
            deadline = time.monotonic() + 15
            while True:
                try:
                    if client.get(base + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "nginx did not come up"
                time.sleep(0.1)
            workers = {client.get(base + "/api/daily_papers").headers["x-paperfeed-worker"]}
            for _ in range(20):
                r = client.get(base + "/papers")
                assert r.status_code == 200
                workers.add(r.headers["x-paperfeed-worker"])
            assert len(workers) == 2  # both app servers served
            assert "gzip" in client.get(base + "/papers").headers.get("content-encoding", "")
            assert client.get(base + "/metrics").status_code == 200  # from 127.0.0.1
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def _nginx_running(tmp_path: Path, conf: Path, base: str) -> Iterator[None]:
    proc = subprocess.Popen(
        [NGINX, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(base + "/readyz", headers={"Host": HOST}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "nginx did not come up"
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _raw(port: int, request: bytes) -> bytes:
    """Send ``request`` as it is (any Host, or none) and read until nginx closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_nginx_answers_only_the_instance_host(settings, paper_factory, tmp_path):
    """Issue 12: nginx forwarded any Host, and the app wrote it into cached Link headers.
    Now a request for another name, for the bare address or with no Host at all is closed
    unanswered (444), before any app server sees it."""
    for _ in range(5):
        paper_factory()
    env = serve_env(settings, base_url=f"https://{HOST}")
    with serving(env, tmp_path / "app.log") as app:
        listen = free_port()
        app_port = int(app.rsplit(":", 1)[1])
        conf = _prefix(tmp_path, _with_ports(listen, [app_port, app_port]))
        base = f"http://127.0.0.1:{listen}"
        with _nginx_running(tmp_path, conf, base):
            attack = b"GET /api/papers?limit=3 HTTP/1.1\r\nHost: attacker.example\r\n"
            attack += b"Connection: close\r\n\r\n"
            assert _raw(listen, attack) == b""
            bare = f"GET /papers HTTP/1.1\r\nHost: 127.0.0.1:{listen}\r\nConnection: close\r\n\r\n"
            assert _raw(listen, bare.encode()) == b""
            assert _raw(listen, b"GET /papers HTTP/1.0\r\n\r\n") == b""
            ours = f"GET /papers HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
            assert _raw(listen, ours.encode()).startswith(b"HTTP/1.1 200")

            r = httpx.get(base + "/api/papers?limit=3", headers={"Host": HOST})
            assert r.headers["link"].startswith(f"<https://{HOST}/api/papers?cursor=")
        log = (tmp_path / "logs" / "access.log").read_text()
        assert "attacker.example" not in (tmp_path / "app.log").read_text()
        assert '"GET /api/papers?limit=3 HTTP/1.1" 444' in log
