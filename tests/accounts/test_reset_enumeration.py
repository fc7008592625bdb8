"""User enumeration by timing, judged by the work done rather than by a stopwatch: whatever
the server does before the response leaves decides how long a request takes, so for a known
and an unknown account it must be the same work (docs/security.md)."""

from __future__ import annotations

import pytest
from accounts_helpers import PASSWORD, csrf_of, post_form
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import event

from paperfeed.accounts import passwords


class WorkBeforeResponse:
    """ASGI wrapper around the real app: the SQL statements the request ran before the last
    byte of its response was sent (background tasks, like emails, run after that)."""

    def __init__(self, app):
        self.app = app
        self.statements: list[str] = []
        self.before_response: list[str] | None = None
        event.listen(app.state.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    async def __call__(self, scope, receive, send):
        async def watch(message):
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.before_response = list(self.statements)
            await send(message)

        await self.app(scope, receive, watch)

    def work_of(self, client, page: str, action: str, data: dict) -> list[str]:
        token = csrf_of(client.get(page).text)
        self.statements.clear()
        r = client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 200, r.text
        return self.before_response


@pytest.fixture
def watched(app):
    wrapper = WorkBeforeResponse(app)
    with TestClient(wrapper) as client:
        yield wrapper, client


def test_reset_does_the_same_work_for_known_and_unknown_addresses(watched, make_user, inbox):
    wrapper, client = watched
    make_user("ada", "ada@example.org")
    # The per-IP rate-limit window opens on the first request (and prunes old ones): open it
    # first, so both requests below count hits in the same way.
    wrapper.work_of(client, "/reset", "/reset", {"email": "warm-up@example.org"})
    known = wrapper.work_of(client, "/reset", "/reset", {"email": "ada@example.org"})
    unknown = wrapper.work_of(client, "/reset", "/reset", {"email": "nobody@example.org"})
    assert known == unknown
    assert not any("one_time_tokens" in s for s in known)  # the token is made afterwards
    assert [m["To"] for m in inbox.wait(1)] == ["ada@example.org"]  # and still sent it


def test_sign_up_costs_one_argon2_operation_whether_or_not_the_email_is_taken(
    watched, make_user, monkeypatch
):
    wrapper, client = watched
    make_user("ada", "ada@example.org")
    calls: list[str] = []

    class CountingHasher(PasswordHasher):
        def hash(self, password, *, salt=None):
            calls.append("hash")
            return super().hash(password, salt=salt)

        def verify(self, hash, password):
            calls.append("verify")
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    passwords._dummy_hash()  # made once per process, before any request
    for email in ("ADA@example.org", "new@example.org"):
        calls.clear()
        form = {"username": f"u{len(email)}", "email": email, "password": PASSWORD}
        assert post_form(client, "/signup", "/signup", form).status_code == 200
        assert len(calls) == 1, (email, calls)
