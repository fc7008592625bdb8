"""The embedding backfill: batches, resumability after a crash, changes, hidden papers, CLI."""

from __future__ import annotations

import numpy as np
import pytest
from embed_fakes import FakeEmbedder, fake_vector
from sqlalchemy import select, update

from paperfeed.embed.job import count_pending, embed_missing
from paperfeed.embed.model import paper_text
from paperfeed.embed.store import count_embedded, load_embeddings
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper


def _by_arxiv(session_factory) -> dict[str, int]:
    with session_factory() as s:
        return dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())


def test_embeds_every_visible_paper_and_skips_hidden_ones(
    session_factory, paper_factory, fake_embedder
):
    arxiv = [paper_factory(title=f"Title {i}", abstract=f"Abstract {i}.") for i in range(5)]
    ids = _by_arxiv(session_factory)
    with session_scope(session_factory) as s:
        s.execute(update(Paper).where(Paper.arxiv_id == arxiv[2]).values(hidden=True))

    report = embed_missing(session_factory, fake_embedder, batch_size=2)

    assert (report.embedded, report.skipped, report.remaining) == (4, 0, 0)
    assert fake_embedder.calls == 2
    with session_factory() as s:
        stored = load_embeddings(s, "fake-model")
        assert count_embedded(s, "fake-model") == (4, 4)
    assert ids[arxiv[2]] not in stored
    for i in (0, 1, 3, 4):
        expected = fake_vector(paper_text(f"Title {i}", f"Abstract {i}."))
        np.testing.assert_allclose(stored[ids[arxiv[i]]], expected, atol=1e-3)
    # nothing left: a second run encodes nothing
    again = FakeEmbedder()
    assert embed_missing(session_factory, again).embedded == 0
    assert again.calls == 0


def test_a_crashed_run_is_resumed_without_redoing_finished_batches(session_factory, paper_factory):
    for _ in range(5):
        paper_factory()
    crashing = FakeEmbedder(fail_on_call=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        embed_missing(session_factory, crashing, batch_size=2)
    with session_factory() as s:
        assert count_embedded(s, "fake-model") == (2, 5)  # the first batch was committed
        assert count_pending(s, "fake-model") == 3

    working = FakeEmbedder()
    report = embed_missing(session_factory, working, batch_size=2)

    assert (report.embedded, report.remaining) == (3, 0)
    assert working.calls == 2  # batches of 2 + 1: the finished batch is not redone
    assert len(crashing.texts) + len(working.texts) == 5
    assert set(crashing.texts).isdisjoint(working.texts)
    with session_factory() as s:
        assert count_embedded(s, "fake-model") == (5, 5)


def test_a_changed_abstract_is_re_embedded(session_factory, paper_factory, fake_embedder):
    changed = paper_factory(title="Same title", abstract="Old abstract.")
    paper_factory()
    embed_missing(session_factory, fake_embedder)
    paper_factory(arxiv_id=changed, title="Same title", abstract="A new abstract.")

    again = FakeEmbedder()
    report = embed_missing(session_factory, again)

    assert (report.embedded, report.skipped, report.remaining) == (1, 0, 0)
    assert again.texts == ["Same title. A new abstract."]
    with session_factory() as s:
        vector = load_embeddings(s, "fake-model")[_by_arxiv(session_factory)[changed]]
    np.testing.assert_allclose(vector, fake_vector("Same title. A new abstract."), atol=1e-3)


def test_a_change_that_keeps_the_text_is_not_re_embedded(
    session_factory, paper_factory, fake_embedder
):
    arxiv_id = paper_factory(title="T", abstract="A.", upvotes=1)
    embed_missing(session_factory, fake_embedder)
    paper_factory(arxiv_id=arxiv_id, title="T", abstract="A.", upvotes=99)

    again = FakeEmbedder()
    report = embed_missing(session_factory, again)
    assert (report.embedded, report.skipped, report.remaining) == (0, 1, 0)
    assert again.calls == 0
    third = FakeEmbedder()
    assert embed_missing(session_factory, third) == type(report)(0, 0, 0)


def test_another_model_re_embeds_everything(session_factory, paper_factory, fake_embedder):
    for _ in range(3):
        paper_factory()
    embed_missing(session_factory, fake_embedder)
    other = FakeEmbedder(name="other-model")
    assert embed_missing(session_factory, other).embedded == 3
    with session_factory() as s:
        assert count_embedded(s, "other-model") == (3, 3)
        assert count_embedded(s, "fake-model") == (0, 3)


def test_limit_stops_early_and_reports_what_remains(session_factory, paper_factory):
    for _ in range(5):
        paper_factory()
    fake = FakeEmbedder()
    report = embed_missing(session_factory, fake, batch_size=2, limit=3)
    assert (report.embedded, report.remaining) == (3, 2)
    assert len(fake.texts) == 3
    assert embed_missing(session_factory, FakeEmbedder(), limit=10).embedded == 2


def test_progress_bar_goes_to_stderr(session_factory, paper_factory, capsys):
    paper_factory()
    embed_missing(session_factory, FakeEmbedder(), progress=True)
    captured = capsys.readouterr()
    assert "embedding" in captured.err and captured.out == ""


def test_cli_index_embed_and_stats(settings, paper_factory, monkeypatch):
    from click.testing import CliRunner

    import paperfeed.embed.model
    from paperfeed.cli import cli

    for _ in range(3):
        paper_factory()
    fake = FakeEmbedder(name=settings.embedding_model)
    monkeypatch.setattr(paperfeed.embed.model, "get_embedder", lambda name: fake)
    runner = CliRunner()

    result = runner.invoke(
        cli, ["index", "embed", "--batch-size", "2", "--limit", "2"], obj=settings
    )
    assert result.exit_code == 0, result.output
    assert "embedded 2, unchanged 0, remaining 1" in result.output
    result = runner.invoke(cli, ["stats"], obj=settings)
    assert "embedded:     2 of 3" in result.output

    result = runner.invoke(cli, ["index", "embed"], obj=settings)
    assert "embedded 1, unchanged 0, remaining 0" in result.output


def test_cli_reports_a_model_that_cannot_be_loaded(settings, paper_factory, tmp_path):
    from click.testing import CliRunner

    from paperfeed.cli import cli

    paper_factory()
    bad = settings.model_copy(update={"embedding_model": str(tmp_path / "missing.bin")})
    (tmp_path / "missing.bin").write_bytes(b"")
    result = CliRunner().invoke(cli, ["index", "embed"], obj=bad)
    assert result.exit_code == 1
    assert "cannot" in result.output.lower() or "directory" in result.output
