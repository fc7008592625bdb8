"""X-Forwarded-For is believed only from the proxies in PAPERFEED_TRUSTED_PROXIES (issue 12,
item 10): a real `paperfeed serve`, log-in attempts over loopback, the per-IP log-in limit.

Before, uvicorn believed the header from any 127.0.0.1 client, so anything on the machine
could send each request under a new address and never meet a per-IP limit."""

from __future__ import annotations

import re

import httpx
import pytest
from ops_helpers import serve_env, serving

LIMIT = 3  # log-in attempts per client IP; a window of 10,000 hours: no boundary in a test
PER_IP = {"rate_limit_login_ip": f"{LIMIT}/10000hours", "rate_limit_login_account": "999/hour"}


def _attempts(base: str, addresses: list[str]) -> list[int]:
    """One failed log-in per address, each claiming that address in X-Forwarded-For."""
    codes = []
    with httpx.Client(base_url=base) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        for i, address in enumerate(addresses):
            r = c.post(
                "/login",
                data={"login": f"nobody{i}", "password": "not the password", "csrf_token": token},
                headers={"X-Forwarded-For": address},
            )
            codes.append(r.status_code)
    return codes


SPOOFED = [f"198.51.100.{i}" for i in range(1, LIMIT + 2)]


@pytest.mark.slow
def test_x_forwarded_for_from_an_untrusted_client_is_ignored(settings, tmp_path):
    log = tmp_path / "serve.log"
    with serving(serve_env(settings, **PER_IP), log) as base:  # no trusted proxies
        codes = _attempts(base, SPOOFED)
    assert codes == [400] * LIMIT + [429]  # all counted as 127.0.0.1
    access = [line for line in log.read_text().splitlines() if "POST /login" in line]
    assert access and all("127.0.0.1:" in line for line in access)
    assert "198.51.100." not in log.read_text()


@pytest.mark.slow
def test_x_forwarded_for_from_a_configured_proxy_is_honoured(settings, tmp_path):
    log = tmp_path / "serve.log"
    env = serve_env(settings, trusted_proxies="127.0.0.1", **PER_IP)
    with serving(env, log) as base:
        distinct = _attempts(base, SPOOFED)
        # nginx appends the peer to what the client sent: the last untrusted entry counts
        one_reader = _attempts(base, ["10.9.9.9, 203.0.113.7"] * (LIMIT + 1))
    assert distinct == [400] * (LIMIT + 1)  # each address its own count
    assert one_reader == [400] * LIMIT + [429]
    text = log.read_text()
    assert "203.0.113.7:" in text and "10.9.9.9" not in text  # the access log names the reader


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_serve_option_overrides_the_setting(settings, tmp_path):
    env = serve_env(settings, trusted_proxies="127.0.0.1", **PER_IP)
    with serving(env, tmp_path / "serve.log", "--forwarded-allow-ips", "10.0.0.1") as base:
        assert _attempts(base, SPOOFED) == [400] * LIMIT + [429]  # 127.0.0.1 no longer trusted
