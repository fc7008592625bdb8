"""Account fixtures: an app with small rate limits, a real SMTP server (aiosmtpd on
127.0.0.1) that collects what the app sends, and users made through the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import NOW, PASSWORD

from paperfeed.accounts import users
from paperfeed.store.db import session_scope
from smtp import Inbox, smtp_server, smtp_settings


@pytest.fixture
def smtp():
    inbox = Inbox()
    with smtp_server(inbox) as controller:
        yield inbox, controller


@pytest.fixture
def inbox(smtp) -> Inbox:
    return smtp[0]


@pytest.fixture
def settings(settings, smtp):
    _, controller = smtp
    return settings.model_copy(
        update={
            **smtp_settings(controller),
            "semantic_search": False,
            "base_url": "http://testserver",
            "rate_limit_login_ip": "30/minute",
            "rate_limit_login_account": "8/minute",
            "rate_limit_signup": "20/minute",
            "rate_limit_password_reset": "20/minute",
        }
    )


@pytest.fixture
def make_user(session_factory):
    """Insert a confirmed account through the service; returns its Account."""

    def make(
        username: str = "ada", email: str | None = None, *, role: str = "member", password=PASSWORD
    ):
        with session_scope(session_factory) as session:
            if role == "admin":
                return users.create_admin(
                    session,
                    username=username,
                    email=email or f"{username}@example.org",
                    password=password,
                    now=NOW,
                )
            made = users.sign_up(
                session,
                username=username,
                email=email or f"{username}@example.org",
                password=password,
                now=NOW,
                confirm_ttl=timedelta(hours=48),
            )
            return users.confirm_email(session, made.token, now=NOW)

    return make
