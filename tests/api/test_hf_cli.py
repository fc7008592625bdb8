"""huggingface_hub's real ``hf papers ls|search|info|read`` CLI against a live instance
(``HF_ENDPOINT``), every flag it has (issue 17 item 4), on both backends.

The CLI runs in a subprocess with ``HF_ENDPOINT`` set, as a user runs it: every command line
through its entry point in one interpreter (tests/api/hf_cli_driver.py: an interpreter and
the CLI's imports cost ~1 s a command), and ``hf papers read`` once through the ``hf``
script itself. Flags, from huggingface_hub/cli/papers.py: ls ``--date`` (a day or
``today``), ``--week``, ``--month``, ``--submitter``, ``--sort``, ``--limit``, ``--token``;
search ``QUERY``, ``--limit``, ``--token``; info and read ``PAPER_ID``, ``--token``; and the
output flags of every command (``--format auto|human|agent|json|quiet``, ``--json``, ``-q``,
``--no-truncate``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from live_instance import BACKENDS, HF_PAPERS, live_instance

from members import make_account, new_token

pytest.importorskip("huggingface_hub")
# A subprocess per backend; one worker for the module, so its live instances are built once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hf_cli")]

DRIVER = Path(__file__).with_name("hf_cli_driver.py")


@pytest.fixture(scope="module", params=BACKENDS)
def instance(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hfcli")
    with live_instance(request, request.param, HF_PAPERS, tmp) as it:
        yield it


def _environment(instance, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    return {
        **env,
        "HF_ENDPOINT": instance.url,
        "HF_HOME": str(tmp),  # no saved token, no cache of the real user's
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",  # no call to PyPI
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_COLOR": "1",
    }


@pytest.fixture(scope="module")
def token(instance):
    return new_token(instance.sessions, make_account(instance.sessions, "cli"))


@pytest.fixture(scope="module")
def commands(instance, token, tmp_path_factory):
    """Every command line below, run once by the real CLI: argv (joined) -> result."""
    lines = [
        ["papers", "ls", "--format", "json"],
        ["papers", "ls", "--date", "2026-11-20", "--json"],
        ["papers", "ls", "--date", "today", "--json"],
        ["papers", "ls", "--week", "2026-W47", "--sort", "trending", "--limit", "2", "--json"],
        ["papers", "ls", "--month", "2026-10", "-q"],
        ["papers", "ls", "--submitter", "alan", "--sort", "publishedAt", "--format", "quiet"],
        ["papers", "ls", "--date", "2026-11-20", "--format", "human", "--no-truncate"],
        ["papers", "ls", "--date", "2026-11-20", "--format", "agent", "--token", token],
        ["papers", "ls", "--date", "2026-13-01"],
        ["papers", "search", "experts", "--limit", "2", "--json"],
        ["papers", "search", "mixture of experts", "--format", "agent", "--token", token],
        ["papers", "info", "2611.00042", "--json"],
        ["papers", "info", "2611.00042", "--token", token, "--format", "agent"],
        ["papers", "info", "2611.09999"],
        ["papers", "read", "2611.00042", "--format", "agent"],
        ["papers", "read", "2611.00042", "--token", token, "--format", "human"],
        ["papers", "read", "2611.09999"],
    ]
    tmp = tmp_path_factory.mktemp("hf-home")
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=json.dumps(lines),
        capture_output=True,
        text=True,
        env=_environment(instance, tmp),
        timeout=120,
        check=True,
    )
    return {" ".join(r["argv"]).replace(token, "TOKEN"): r for r in json.loads(done.stdout)}


def _ok(commands, line: str) -> str:
    result = commands[line]
    assert result["code"] == 0, result
    return result["stdout"]


def test_ls_lists_daily_papers_with_every_filter(commands):
    everything = json.loads(_ok(commands, "papers ls --format json"))
    assert [p["id"] for p in everything] == [
        "2611.00042", "2611.00004", "2611.00003", "2611.00002", "2611.00001", "2611.00005",
        "2610.00001",
    ]  # fmt: skip
    [day] = json.loads(_ok(commands, "papers ls --date 2026-11-20 --json"))
    assert day["id"] == "2611.00042" and day["title"].startswith("MVD$^2$")
    assert day["upvotes"] == 7 and day["comments"] == 3
    assert day["submitted_by_name"] == "akhaliq"
    assert json.loads(_ok(commands, "papers ls --date today --json")) == []  # no paper today
    week = json.loads(_ok(commands, "papers ls --week 2026-W47 --sort trending --limit 2 --json"))
    assert len(week) == 2 and {p["id"] for p in week} <= {p["id"] for p in everything[:5]}
    assert _ok(commands, "papers ls --month 2026-10 -q") == "2610.00001\n"
    quiet = _ok(commands, "papers ls --submitter alan --sort publishedAt --format quiet")
    assert quiet.split() == ["2611.00004", "2611.00002"]


def test_ls_human_agent_and_token_output(commands):
    human = _ok(commands, "papers ls --date 2026-11-20 --format human --no-truncate")
    assert "2611.00042" in human and "attention <b>again</b>" in human  # not cut
    agent = _ok(commands, "papers ls --date 2026-11-20 --format agent --token TOKEN")
    header, row = agent.strip().split("\n")
    assert header.split("\t") == [
        "id", "title", "upvotes", "comments", "published_at", "submitted_by_name",
    ]  # fmt: skip
    assert row.startswith("2611.00042\t")


def test_ls_reports_a_bad_date_with_the_instances_message(commands):
    result = commands["papers ls --date 2026-13-01"]
    assert result["code"] == 1
    assert result["stderr"].startswith(
        "Error: Bad request:\n✖ invalid date '2026-13-01'; expected e.g. 2026-11-21\n  → at date\n"
    )  # as the CLI shows huggingface.co's own: "✖ <what>\n  → at <parameter>"


def test_search_finds_papers(commands):
    found = json.loads(_ok(commands, "papers search experts --limit 2 --json"))
    assert len(found) == 2 and all("expert" in p["title"].lower() for p in found)
    agent = _ok(commands, "papers search mixture of experts --format agent --token TOKEN")
    assert agent.split("\n")[0].split("\t") == ["id", "title", "summary", "upvotes", "published_at"]
    assert "Mixture of experts, part" in agent


def test_info_shows_a_paper_and_says_when_there_is_none(commands):
    info = json.loads(_ok(commands, "papers info 2611.00042 --json"))
    assert info["id"] == "2611.00042"
    assert info["github_repo"] == "https://github.com/x/y" and info["github_stars"] == 12
    assert info["project_page"] == "https://x.github.io/y"
    assert "2611.00042" in _ok(commands, "papers info 2611.00042 --token TOKEN --format agent")
    missing = commands["papers info 2611.09999"]
    assert missing["code"] == 1
    assert "Paper '2611.09999' not found on the Hub." in missing["stderr"]


def test_read_prints_the_papers_markdown(commands, instance):
    markdown = httpx.get(f"{instance.url}/papers/2611.00042.md").text
    assert _ok(commands, "papers read 2611.00042 --format agent") == markdown + "\n"
    assert _ok(commands, "papers read 2611.00042 --token TOKEN --format human") == markdown + "\n"
    missing = commands["papers read 2611.09999"]
    assert missing["code"] == 1
    assert "Paper '2611.09999' not found on the Hub." in missing["stderr"]


def test_the_hf_script_itself_reads_a_paper(instance, tmp_path):
    hf_script = shutil.which("hf", path=str(Path(sys.executable).parent))
    assert hf_script, "huggingface_hub installs the hf script next to the interpreter"
    done = subprocess.run(
        [hf_script, "papers", "read", "2611.00042"],
        capture_output=True,
        text=True,
        env=_environment(instance, tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# MVD$^2$: naïve attention")
