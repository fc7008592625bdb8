"""CSRF tokens are keyed by the server's secret, not by the cookie alone (docs/security.md,
"CSRF tokens"): someone who knows a cookie's value, because they planted it, cannot compute
its token offline; web workers agree on the key; a changed key expires open forms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat

import pytest
from accounts_helpers import NOW, csrf_of, log_in
from fastapi.testclient import TestClient
from pydantic import ValidationError

from paperfeed.accounts.secrets import secret_file
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.settings import Settings

COOKIE = "paperfeed_session"
PLANTED = "planted-by-the-attacker-0123456789abcdefghij"


def token_without_a_secret(cookie: str) -> str:
    """The token as it was: HMAC keyed by the cookie value alone (anyone can compute it)."""
    digest = hmac.new(cookie.encode(), b"paperfeed csrf v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _app(settings):
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: NOW
    return app


def test_a_token_computed_from_a_known_cookie_is_refused(client, make_user):
    make_user("ada")
    client.cookies.set(COOKIE, PLANTED)  # e.g. tossed from a sibling subdomain
    forged = client.post(
        "/login",
        data={"login": "ada", "password": "x", "csrf_token": token_without_a_secret(PLANTED)},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    # The site's own form for the same cookie still works (the cookie is not the problem).
    assert csrf_of(client.get("/login").text) != token_without_a_secret(PLANTED)
    assert log_in(client, "ada", "wrong password").status_code == 400


def test_workers_share_the_generated_key_and_keep_it_private(settings, make_user):
    make_user("ada")
    path = secret_file(settings.resolved_index_dir())
    assert not path.exists()
    with TestClient(_app(settings)) as one, TestClient(_app(settings)) as two:
        token = csrf_of(one.get("/login").text)  # made the key
        two.cookies.set(COOKIE, one.cookies.get(COOKIE))
        r = two.post("/login", data={"login": "ada", "password": "x", "csrf_token": token})
        assert r.status_code == 400  # the other worker accepted the token: a failed log-in
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(path.read_text().strip()) >= 32


def test_a_configured_key_is_used_and_a_new_key_expires_open_forms(settings, make_user):
    make_user("ada")
    first = settings.model_copy(update={"secret_key": "k" * 40})
    second = settings.model_copy(update={"secret_key": "z" * 40})
    with TestClient(_app(first)) as before:
        token = csrf_of(before.get("/login").text)
        cookie = before.cookies.get(COOKIE)
    assert not secret_file(settings.resolved_index_dir()).exists()  # nothing generated
    for keyed, status in ((first, 400), (second, 403)):
        with TestClient(_app(keyed)) as after:
            after.cookies.set(COOKIE, cookie)
            r = after.post("/login", data={"login": "ada", "password": "x", "csrf_token": token})
            assert r.status_code == status


def test_a_short_secret_key_is_refused_at_start():
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(secret_key="too short", _env_file=None)
