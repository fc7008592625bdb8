"""``paperfeed ingest ...`` and ``paperfeed export`` end to end, with a fake upstream."""

from __future__ import annotations

import gzip
import json
import shutil
from itertools import count
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_server import Reply, oai_page_xml
from sqlalchemy import select

from paperfeed.cli import cli
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.store.models import IngestRun, Paper

DATA = Path(__file__).resolve().parents[1] / "data"
_names = count()


@pytest.fixture
def run(settings):
    runner = CliRunner()

    def invoke(*args: str, settings=settings, **overrides):
        if overrides:
            settings = settings.model_copy(update=overrides)
        return runner.invoke(cli, list(args), obj=settings)

    return invoke


@pytest.fixture
def fresh_settings(backend, request, tmp_path, settings):
    """Settings of a second, empty, migrated database on the same backend."""
    if backend == "sqlite":
        path = tmp_path / "second.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")("second", template="paperfeed_template")
    return settings.model_copy(update={"database_url": url})


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def papers(settings) -> dict[str, Paper]:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            return {p.arxiv_id: p for p in s.scalars(select(Paper))}
    finally:
        engine.dispose()


def test_hf_file_imports_an_api_response_and_prints_one_summary_line(run, settings):
    result = run("ingest", "hf-file", str(DATA / "hf_daily_papers_2025-03-17.json"))
    assert result.exit_code == 0, result.output
    assert result.output == "hf-file: 3 added, 0 updated, 0 unchanged, 0 failed\n"
    assert papers(settings)["2503.10772"].upvotes == 6


def test_hf_file_reads_gzipped_scraped_lines_and_reports_json(run, tmp_path):
    packed = tmp_path / "scraped.jsonl.gz"
    packed.write_bytes(gzip.compress((DATA / "hf_scraped_2024.jsonl").read_bytes()))
    result = run("ingest", "hf-file", str(packed), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "source": "hf-file",
        "added": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": [],
        "skipped_fields": [],
    }


def test_export_then_import_into_an_empty_database_then_export_is_identical(
    run, settings, fresh_settings, tmp_path
):
    assert run("ingest", "hf-file", str(DATA / "hf_daily_papers_2025-03-17.json")).exit_code == 0
    assert run("ingest", "hf-file", str(DATA / "hf_scraped_2024.jsonl")).exit_code == 0
    first = tmp_path / "first.jsonl.gz"
    assert run("export", "--output", str(first)).exit_code == 0

    result = run("ingest", "jsonl", str(first), settings=fresh_settings)
    assert result.output == "jsonl: 5 added, 0 updated, 0 unchanged, 0 failed\n"
    second = tmp_path / "second.jsonl.gz"
    assert run("export", "-o", str(second), settings=fresh_settings).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    to_stdout = run("export", settings=fresh_settings)
    assert to_stdout.output == gzip.decompress(first.read_bytes()).decode()
    assert to_stdout.output.count("\n") == 5


def test_ingest_arxiv_harvests_every_page(run, settings, fake_server):
    def oai(request):
        token = request.params.get("resumptionToken")
        if token is None:
            return Reply(body=oai_page_xml([{"id": "2611.00001"}, {"id": "2611.00002"}], "p2", 3))
        return Reply(body=oai_page_xml([{"id": "2611.00003"}], None, 3))

    fake_server.script("/oai", oai)
    result = run(
        "ingest", "arxiv", "--from", "2026-11-01", "--until", "2026-11-21", "--set", "cs",
        arxiv_oai_url=f"{fake_server.url}/oai",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "arxiv-oai: 3 added, 0 updated, 0 unchanged, 0 failed\n"
    assert fake_server.requests[0].params["from"] == "2026-11-01"
    assert fake_server.requests[0].params["set"] == "cs"
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as s:
        (run_row,) = s.scalars(select(IngestRun))
        assert (run_row.status, run_row.params_key) == ("done", "cs:2026-11-01:2026-11-21:arXiv")
    engine.dispose()


def test_ingest_arxiv_id_fetches_and_reports_unknown_ids(run, settings, fake_server):
    fake_server.script("/api/query", Reply(body=(DATA / "arxiv_api_id_list.xml").read_bytes()))
    result = run(
        "ingest", "arxiv-id", "2503.12028", "2503.12230v2", "2503.99999", "--json",
        arxiv_api_url=f"{fake_server.url}/api/query",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["added"] == 2
    assert report["failed"] == [{"key": "2503.99999", "reason": "arXiv has no paper with this id"}]
    assert papers(settings)["2503.12230"].version == 2


def test_ingest_hf_fetches_each_day_of_the_range(run, fake_server):
    fake_server.script("/api/daily_papers", Reply(body=b"[]"))
    result = run(
        "ingest", "hf", "--from", "2026-11-18", "--until", "2026-11-20",
        hf_base_url=fake_server.url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r.params["date"] for r in fake_server.requests] == [
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]


def test_page_dump_matches_stored_titles_and_fails_the_rest(run, settings, paper_factory):
    paper_factory(arxiv_id="2502.99999", title="Easy to Learn, Yet Hard to Forget: Towards "
                  "Robust Unlearning Under Bias")  # fmt: skip
    result = run("ingest", "page-dump", str(DATA / "page_dump_excerpt.txt"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["updated"] == 1 and len(report["failed"]) == 6
    assert {f["reason"] for f in report["failed"]} == {"no arXiv id in the page dump"}
    assert papers(settings)["2502.99999"].upvotes == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ingest", "hf", "--date", "20-11-2026"), "--date '20-11-2026' is not a date"),
        (("ingest", "arxiv", "--from", "2026-11-21", "--until", "2026-11-01"), "is before"),
        (("ingest", "jsonl", "missing.jsonl"), "missing.jsonl: no such file"),
        (("ingest", "hf-file", "missing.json"), "missing.json: no such file"),
        (("ingest", "arxiv-id", "2406.12345", "hello"), "'hello' is not an arXiv id"),
        (("ingest", "hf"), "give --date"),
        (("ingest", "arxiv", "--set", "cs"), "give --from"),
    ],
)
def test_user_errors_are_one_line(run, args, message):
    assert message in one_line_error(run(*args))


def test_an_unavailable_source_is_one_line(run, fake_server):
    fake_server.script("/api/query", Reply(503, headers={"Retry-After": "0"}))
    line = one_line_error(
        run("ingest", "arxiv-id", "2406.12345", arxiv_api_url=f"{fake_server.url}/api/query")
    )
    assert "unavailable: HTTP 503 (gave up after 3 attempts)" in line


def test_an_invalid_body_is_one_line(run, fake_server, tmp_path):
    fake_server.script("/api/daily_papers", Reply(body=b'[{"paper": {"id": "2406.1'))
    line = one_line_error(run("ingest", "hf", "--date", "2026-11-20", hf_base_url=fake_server.url))
    assert "is not valid JSON" in line


def test_pending_migrations_name_the_command_to_run(run, settings, tmp_path):
    path = tmp_path / "unmigrated.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    engine.dispose()
    line = one_line_error(run("ingest", "jsonl", str(DATA / "hf_scraped_2024.jsonl"),
                              database_url=f"sqlite:///{path}"))  # fmt: skip
    assert "paperfeed db upgrade" in line


@pytest.mark.parametrize("command", ["arxiv", "arxiv-id", "hf", "hf-file", "jsonl", "page-dump"])
def test_every_command_has_an_example_in_its_help(run, command):
    result = run("ingest", command, "--help")
    assert f"Example: paperfeed ingest {command}" in result.output or (
        command == "jsonl" and "paperfeed ingest jsonl" in result.output
    )


def test_export_help_has_an_example(run):
    assert "Example: paperfeed export" in run("export", "--help").output


def test_an_interrupted_hf_range_resumes_at_the_day_it_stopped(run, fake_server):
    days_asked = []

    def daily(request):
        days_asked.append(request.params["date"])
        if request.params["date"] == "2026-11-19" and days_asked.count("2026-11-19") <= 3:
            return Reply(503, headers={"Retry-After": "0"})
        return Reply(body=b"[]")

    fake_server.script("/api/daily_papers", daily)
    args = ("ingest", "hf", "--from", "2026-11-18", "--until", "2026-11-20")
    assert run(*args, hf_base_url=fake_server.url).exit_code == 1
    assert run(*args, hf_base_url=fake_server.url).exit_code == 0
    assert days_asked == ["2026-11-18", *["2026-11-19"] * 4, "2026-11-20"]


def test_a_search_index_that_cannot_sync_is_a_warning_not_a_failure(run, monkeypatch):
    from paperfeed.search import sync

    def busy(settings, engine):
        raise RuntimeError("index locked")

    monkeypatch.setattr(sync, "sync_search_index", busy)
    result = run("ingest", "hf-file", str(DATA / "hf_scraped_2024.jsonl"))
    assert result.exit_code == 0
    assert "warning: search index not updated (RuntimeError: index locked)" in result.output
