"""deploy/nginx.conf: accepted by `nginx -t`, and run for real in front of two
`paperfeed serve` processes (its ports swapped for free ones)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from ops_helpers import free_port, serve_env, serving

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
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
    text = CONF.read_text().replace("listen 8080;", f"listen 127.0.0.1:{listen};")
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
            deadline = time.monotonic() + 15
            while True:
                try:
                    if httpx.get(base + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "nginx did not come up"
                time.sleep(0.1)
            workers = {httpx.get(base + "/api/daily_papers").headers["x-paperfeed-worker"]}
            for _ in range(20):
                r = httpx.get(base + "/papers")
                assert r.status_code == 200
                workers.add(r.headers["x-paperfeed-worker"])
            assert len(workers) == 2  # both app servers served
            assert "gzip" in httpx.get(base + "/papers").headers.get("content-encoding", "")
            assert httpx.get(base + "/metrics").status_code == 200  # from 127.0.0.1
        finally:
            proc.terminate()
            proc.wait(timeout=10)
