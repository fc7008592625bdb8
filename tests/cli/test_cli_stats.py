"""``paperfeed stats``: counts and feed days, as text and JSON, on both backends."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from sqlalchemy import update

from paperfeed.cli import cli
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper


def test_stats_json_counts_papers_hidden_and_entries(run, paper_factory, session_factory):
    paper_factory(feed_day=date(2026, 11, 18))
    paper_factory(feed_day=date(2026, 11, 20))
    hidden = paper_factory()
    with session_scope(session_factory) as s:
        s.execute(update(Paper).where(Paper.arxiv_id == hidden).values(hidden=True))
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: v for k, v in data.items() if k != "database"} == {
        "papers": 3,
        "hidden": 1,
        "feed_entries": 2,
        "first_day": "2026-11-18",
        "last_day": "2026-11-20",
        "embedding_model": "sentence-transformers/all-MiniLM-L6-v2",
        "embedded": 0,
    }


def test_stats_text_on_an_empty_database(run):
    result = run("stats")
    assert result.exit_code == 0, result.output
    assert "papers:       0 (0 hidden)" in result.output
    assert "feed days:    none yet" in result.output


def test_stats_reads_the_database_url_from_the_environment(settings, paper_factory):
    paper_factory(feed_day=date(2026, 11, 20))
    result = CliRunner().invoke(
        cli, ["stats", "--json"], env={"PAPERFEED_DATABASE_URL": settings.database_url}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["papers"] == 1


def test_stats_refuses_a_database_with_pending_migrations(run, empty_settings, backend):
    if backend == "sqlite":  # make the file exist, without a schema
        from paperfeed.store.db import make_engine

        engine = make_engine(empty_settings.database_url)
        with engine.connect():
            pass
        engine.dispose()
    result = run("stats", settings=empty_settings)
    assert result.exit_code == 1
    assert "has no schema yet" in result.output
    assert "run `paperfeed db upgrade` first" in result.output
    assert "Traceback" not in result.output
