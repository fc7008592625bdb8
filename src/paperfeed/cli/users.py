"""``paperfeed users``: make admins and list accounts (there is no other way to get the first
admin: sign-up only ever makes members)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from paperfeed.accounts import users as accounts
from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_runtime,
    require_migrated,
    user_errors,
)
from paperfeed.store.db import session_scope


@cli.group()
def users() -> None:
    """Manage accounts.

    Example: paperfeed users create-admin ada --email ada@example.org
    """


@users.command("create-admin")
@click.argument("username")
@click.option("--email", required=True, help="The admin's email address.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@user_errors
def create_admin(username: str, email: str, password_stdin: bool) -> None:
    """Create a confirmed admin account, or make an existing account admin.

    An existing account is promoted only when the email and password given are its own.
    Without --password-stdin the password is prompted for (twice, not echoed).

    Example: echo "$ADMIN_PASSWORD" | paperfeed users create-admin ada --email ada@example.org --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = load_settings()
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
        with session_scope(runtime.sessions) as session:
            account = accounts.create_admin(
                session, username=username, email=email, password=password, now=datetime.now(UTC)
            )
    click.echo(f"{account.username} <{account.email}> is an admin")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--limit", default=1000, show_default=True, help="Show at most this many.")
@user_errors
def list_users(as_json: bool, limit: int) -> None:
    """List accounts, oldest first: username, email, role, whether confirmed.

    Example: paperfeed users list --json
    """
    settings = load_settings()
    with open_runtime(settings) as runtime:
        require_migrated(runtime.engine)
        with runtime.sessions() as session:
            found = accounts.list_users(session, limit=limit)
    if as_json:
        echo_json(
            [
                {
                    "username": a.username,
                    "email": a.email,
                    "role": a.role,
                    "confirmed": a.confirmed,
                    "created_at": a.created_at,
                }
                for a in found
            ]
        )
        return
    for a in found:
        state = "" if a.confirmed else " (unconfirmed)"
        click.echo(f"{a.username}\t{a.email}\t{a.role}{state}")
    click.echo(f"{len(found)} account(s)")
