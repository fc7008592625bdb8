"""The account emails: sign-up confirmation, "this address already has an account",
password reset, and "your API tokens were revoked". Links are absolute, built from ``settings.base_url``."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from paperfeed.accounts.users import Account
from paperfeed.mail import compose
from paperfeed.settings import Settings


def _link(settings: Settings, path: str, **params: str) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return settings.base_url.rstrip("/") + path + query


def _to(settings: Settings, account: Account, subject: str, template: str, **context: Any):
    return compose(
        sender=settings.mail_from,
        to=account.email,
        subject=subject,
        template=template,
        context={"username": account.username, "site_name": settings.site_name, **context},
    )


def confirm_signup(settings: Settings, account: Account, token: str) -> EmailMessage:
    return _to(
        settings,
        account,
        f"Confirm your {settings.site_name} account",
        "confirm_signup",
        hours=settings.signup_confirm_hours,
        link=_link(settings, "/signup/confirm", token=token),
    )


def signup_existing(settings: Settings, account: Account) -> EmailMessage:
    return _to(
        settings,
        account,
        f"Your {settings.site_name} account",
        "signup_existing",
        login_link=_link(settings, "/login"),
        reset_link=_link(settings, "/reset"),
    )


def reset_password(settings: Settings, account: Account, token: str) -> EmailMessage:
    return _to(
        settings,
        account,
        f"Reset your {settings.site_name} password",
        "reset_password",
        minutes=settings.password_reset_minutes,
        link=_link(settings, "/reset/confirm", token=token),
    )


def tokens_revoked(
    settings: Settings, account: Account, names: tuple[str, ...], *, how: str
) -> EmailMessage:
    """After a password change or reset (``how``) ended the account's API tokens: which ones,
    so the owner knows what to replace, and which they never made (a thief's)."""
    return _to(
        settings,
        account,
        f"Your {settings.site_name} API tokens were revoked",
        "tokens_revoked",
        how=how,
        names=names,
        account_link=_link(settings, "/account"),
        reset_link=_link(settings, "/reset"),
    )
