"""Keyword search and embeddings read titles and abstracts as readers see them, not their
LaTeX (issue 13): "naive" finds ``na\\"{\\i}ve`` on both backends, the stored source stays as
sent, and migration 0011 fills the readable text of papers stored before it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from paperfeed.embed.model import paper_text
from paperfeed.store import migrate
from paperfeed.store.db import make_engine
from paperfeed.store.models import Paper

NAIVE = r"We show that a na\"{\i}ve baseline with \emph{F{\o}lner} sets beats MVD$^2$ by 50\%."


def test_naive_finds_the_latex_spelling_on_both_backends(paper_factory, ids, session):
    wanted = paper_factory(title=r"Why na\"{\i}vely scaling fails", abstract=NAIVE)
    paper_factory(title="Something else", abstract="About other things entirely.")
    assert ids("naive") == [wanted]
    assert ids("naively") == [wanted]  # the title's word, stemmed
    assert ids("Følner") == ids("Folner") == [wanted]  # {\o} is ø, and both spellings find it
    assert ids("MVD2") == [wanted]
    paper = session.scalars(select(Paper).where(Paper.arxiv_id == wanted)).one()
    assert paper.abstract == NAIVE  # the source stays as the source sent it
    assert paper.abstract_search == (
        "We show that a naïve baseline with Følner sets beats MVD² by 50%.\nnaive Folner MVD2"
    )
    assert paper.title_search == "Why naïvely scaling fails\nnaively"


def test_plain_text_is_null_where_the_source_has_no_latex(paper_factory, session):
    arxiv_id = paper_factory(title="Plain title", abstract="Plain abstract.")
    paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
    assert (paper.title_search, paper.abstract_search) == (None, None)


def test_a_new_version_updates_the_readable_text(paper_factory, ids):
    arxiv_id = paper_factory(title="First", abstract="Nothing here.", version=1)
    assert ids("naive") == []
    paper_factory(arxiv_id=arxiv_id, title="First", abstract=NAIVE, version=2)
    assert ids("naive") == [arxiv_id]


def test_embeddings_embed_the_readable_text():
    assert paper_text(r"PanGu-$\pi$", NAIVE) == (
        "PanGu-π. We show that a naïve baseline with Følner sets beats MVD² by 50%."
    )
    assert paper_text("Plain", "Text.") == "Plain. Text."  # unchanged: same hash, no re-embed


def test_migration_0011_fills_papers_stored_before_it(backend, tmp_path, pg_database):
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else pg_database("m0011")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, "0010")
        now = datetime(2026, 11, 20, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories,"
                    " upvotes, imported_upvotes, num_comments, local_comments, hidden,"
                    " created_at, modified_at) VALUES ('2401.00001', 1, :t, :a, '[]', '[]',"
                    " 0, 0, 0, 0, :f, :now, :now)"
                ),
                {"t": "MVD$^2$", "a": NAIVE, "f": False, "now": now},
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT title_search, abstract_search FROM papers")).one()
            assert row.title_search == "MVD²\nMVD2"
            assert row.abstract_search.startswith("We show that a naïve baseline")
            assert row.abstract_search.endswith("\nnaive Folner MVD2")
            if backend == "postgresql":
                found = conn.execute(
                    text(
                        "SELECT count(*) FROM papers"
                        " WHERE search_tsv @@ to_tsquery('english', 'naive')"
                    )
                ).scalar()
                assert found == 1
                assert (
                    conn.execute(
                        text("SELECT docs FROM search_terms WHERE lexeme = 'naiv'")
                    ).scalar()
                    == 1
                )
    finally:
        engine.dispose()


def test_cli_search_prints_the_readable_title(settings, paper_factory):
    from click.testing import CliRunner

    from paperfeed.cli import cli

    wanted = paper_factory(title="MVD$^2$: Efficient Multiview 3D Reconstruction", abstract=NAIVE)
    result = CliRunner().invoke(cli, ["search", "naive", "--mode", "keyword"], obj=settings)
    assert result.exit_code == 0, result.output
    assert result.output.split()[0] == wanted
    assert "MVD²: Efficient Multiview 3D Reconstruction" in result.output
