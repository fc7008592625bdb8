"""``paperfeed users create-admin`` and ``users list``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from paperfeed.cli import cli


@pytest.fixture
def run(settings):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), obj=settings, input=input)

    return invoke


def test_create_admin_from_stdin_then_list(run, client):
    r = run(
        "users",
        "create-admin",
        "root_ada",
        "--email",
        "ada@example.org",
        "--password-stdin",
        input="a long admin password\n",
    )
    assert r.exit_code == 0, r.output
    assert "root_ada <ada@example.org> is an admin" in r.output
    listed = json.loads(run("users", "list", "--json").output)
    assert [(u["username"], u["role"], u["confirmed"]) for u in listed] == [
        ("root_ada", "admin", True)
    ]
    # The new admin can log in and reach /admin.
    from accounts_helpers import log_in

    assert log_in(client, "root_ada", "a long admin password").status_code == 303
    assert client.get("/admin").status_code == 200


def test_create_admin_prompts_for_the_password_twice(run):
    r = run(
        "users",
        "create-admin",
        "ada2",
        "--email",
        "a2@example.org",
        input="a long admin password\na long admin password\n",
    )
    assert r.exit_code == 0, r.output
    assert "a long admin password" not in r.output  # not echoed


def test_create_admin_refuses_someone_elses_username(run, make_user):
    make_user("ada", "ada@example.org")
    r = run(
        "users",
        "create-admin",
        "ada",
        "--email",
        "mallory@example.org",
        "--password-stdin",
        input="mallory's password\n",
    )
    assert r.exit_code == 1 and "taken by another account" in r.output
    assert "member" in run("users", "list").output


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("<script>", "a long admin password", "Usernames have"), ("ada3", "short", "at least 8")],
)
def test_create_admin_bad_input_is_one_line_error(run, username, password, message):
    r = run(
        "users",
        "create-admin",
        username,
        "--email",
        "x@example.org",
        "--password-stdin",
        input=password + "\n",
    )
    assert r.exit_code == 1 and message in r.output
    assert "0 account(s)" in run("users", "list").output
