"""deploy/nginx.conf in front of a real `paperfeed serve` (issue 12, items 9 and 10): its access
log redacts the tokens of reset and confirmation links, in the request line and in the
Referer, and the app's security headers reach the browser once each."""

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
HOST = "paperfeed.example.org"
SECRET = "S3cretResetToken-abcdefghijklmnop"
OTHER = "An0therConfirmToken-qrstuvwxyz0123"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed")


def _config(tmp_path: Path, listen: int, app_port: int) -> Path:
    for sub in ("logs", "run", "tmp"):
        (tmp_path / sub).mkdir(exist_ok=True)
    text = re.sub(r"listen 8080\b", f"listen 127.0.0.1:{listen}", CONF.read_text())
    text = re.sub(r"server 127\.0\.0\.1:800\d", f"server 127.0.0.1:{app_port}", text)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    return conf


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_nginx_logs_no_token_and_passes_the_headers_once(settings, tmp_path):
    env = serve_env(settings, trusted_proxies="127.0.0.1")
    with serving(env, tmp_path / "app.log") as app:
        listen = free_port()
        conf = _config(tmp_path, listen, int(app.rsplit(":", 1)[1]))
        proc = subprocess.Popen(
            [NGINX, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{listen}"
            headers = {"Host": HOST}
            deadline = time.monotonic() + 15
            while True:
                try:
                    if httpx.get(base + "/readyz", headers=headers).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "nginx did not come up"
                time.sleep(0.1)
            page = httpx.get(f"{base}/reset/confirm?token={SECRET}&x=1", headers=headers)
            assert page.status_code == 400  # an unknown token: the page says so
            for name in ("content-security-policy", "x-frame-options", "referrer-policy"):
                assert len(page.headers.get_list(name)) == 1, name
            referred = {**headers, "Referer": f"http://{HOST}/signup/confirm?token={OTHER}"}
            assert httpx.get(base + "/static/app.css", headers=referred).status_code == 200
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    log = (tmp_path / "logs" / "access.log").read_text()
    assert SECRET not in log and OTHER not in log, log
    assert '"GET /reset/confirm?token=[redacted]&x=1 HTTP/1.1" 400' in log
    assert '"http://paperfeed.example.org/signup/confirm?token=[redacted]"' in log
    assert SECRET not in (tmp_path / "app.log").read_text()  # nor in the app's own log
