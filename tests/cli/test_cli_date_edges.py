"""Dates at the edge of the calendar from the shell (issue 12 item 7): ``search --from/--to``,
``digest send --key`` and ``worker --at`` refuse a day outside 0002-01-01..9998-12-31 with
one error line instead of an OverflowError traceback (the PostgreSQL keyword search, the
digest periods and the worker's schedule all compute windows past the day)."""

from __future__ import annotations

import pytest


def refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    line = result.output.strip()
    assert line.startswith("Error: ") and len(line.splitlines()) == 1, result.output
    for word in ("out of range", *words):
        assert word in line, line


@pytest.mark.parametrize(
    "option, value",
    [("--to", "9999-12-31"), ("--to", "9999-12-30"), ("--from", "0001-01-01")],
)
def test_search_refuses_days_past_the_calendar(run, paper_factory, option, value):
    paper_factory(title="Edges of the calendar")
    refused(run("search", "edges", "--mode", "keyword", option, value), option.strip("-"))


def test_search_serves_the_days_at_the_edges_of_the_range(run, paper_factory):
    arxiv_id = paper_factory(title="Edges of the calendar")
    result = run(
        "search", "edges", "--mode", "keyword", "--from", "0002-01-01", "--to", "9998-12-31"
    )
    assert result.exit_code == 0, result.output
    assert arxiv_id in result.output


@pytest.mark.parametrize(
    "cadence, key",
    [
        ("daily", "9999-12-31"),
        ("daily", "0001-01-01"),
        ("weekly", "9999-W52"),
        ("weekly", "0001-W01"),
    ],
)
def test_digest_send_refuses_periods_past_the_calendar(run, cadence, key):
    refused(run("digest", "send", "--period", cadence, "--key", key, "--dry-run"))


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "0001-01-03T12:00", "9999-12-31T23:00-05:00"])
def test_worker_refuses_a_time_past_the_calendar(run, at):
    refused(run("worker", "--once", "--at", at), "--at")
