"""BM25 ranking on PostgreSQL: IDF from the term statistics, candidates chosen by their
rarest terms, and the statistics' refresh."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from paperfeed.search import postgres_fts
from paperfeed.search.pg_term_stats import refresh_term_stats
from paperfeed.store.db import session_scope

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def refresh(session_factory):
    """``refresh(rebuild=False)`` -> papers counted, as ``paperfeed index sync`` would."""

    def run(*, rebuild: bool = False) -> int:
        with session_scope(session_factory) as session:
            return refresh_term_stats(session, rebuild=rebuild)

    return run


@pytest.fixture
def docs(session_factory):
    """``docs(lexeme)`` -> papers counted for it in the statistics (None if absent)."""

    def run(lexeme: str) -> int | None:
        with session_factory() as session:
            return session.scalar(
                text("SELECT docs FROM search_terms WHERE lexeme = :l"), {"l": lexeme}
            )

    return run


def _papers_about_models(paper_factory, n: int = 12) -> list[str]:
    return [
        paper_factory(title=f"A model of things {i}", abstract="We fit a model.") for i in range(n)
    ]


@pytest.mark.parametrize("refreshed", [True, False], ids=["statistics", "live-counts"])
def test_rare_word_outranks_a_repeated_common_word(paper_factory, ids, refresh, refreshed):
    common = paper_factory(title="Model model: a model", abstract="The model models a model.")
    rare = paper_factory(title="Zebrafish", abstract="Fins regrow.")
    _papers_about_models(paper_factory)
    if refreshed:
        refresh()  # otherwise each word's papers are counted at search time
    assert ids("model zebrafish")[:2] == [rare, common]


def test_old_paper_sharing_the_rare_words_is_found_among_newer_common_matches(
    paper_factory, ids, refresh, monkeypatch
):
    # A claim-like query: the relevant paper lacks one of its words, so no paper matches
    # them all, and many newer papers share only its common words.
    monkeypatch.setattr(postgres_fts, "RANK_CAP", 5)
    monkeypatch.setattr(postgres_fts, "CANDIDATES", 5)
    relevant = paper_factory(
        title="Zebrafish heart regeneration", abstract="Cardiomyocytes proliferate after injury."
    )
    newer = [
        paper_factory(title=f"Heart injury in adults {i}", abstract="A study of hearts.")
        for i in range(10)
    ]
    refresh()
    found = ids("Zebrafish hearts regenerate after injury in adults")
    assert found[0] == relevant
    assert set(newer[-3:]) <= set(found)  # the newest common matches still fill the page


def test_common_query_falls_back_to_every_match_when_the_newest_hold_none(
    paper_factory, ids, refresh, monkeypatch
):
    # Every unit is common, so the newest WALK papers are tested one by one; none of them
    # has both words, so the search looks at every match instead.
    monkeypatch.setattr(postgres_fts, "WALK", 3)
    monkeypatch.setattr(postgres_fts, "RANK_CAP", 2)
    monkeypatch.setattr(postgres_fts, "CANDIDATES", 2)
    both = paper_factory(title="Alpha beta")
    for i in range(3):
        paper_factory(title=f"Alpha {i}")
        paper_factory(title=f"Beta {i}")
    refresh()
    assert ids("alpha beta")[0] == both


@pytest.mark.parametrize("walk_share", [0.25, 1.1], ids=["walk", "id-window"])
def test_common_query_ranks_the_newest_matches_without_visiting_all(
    paper_factory, ids, refresh, monkeypatch, walk_share
):
    monkeypatch.setattr(postgres_fts, "RANK_CAP", 2)
    monkeypatch.setattr(postgres_fts, "WALK_SHARE", walk_share)
    made = [paper_factory(title=f"Model {i}") for i in range(8)]
    refresh()
    assert ids("model") == made[:5:-1]  # the two newest, though every paper matches


def test_refresh_counts_new_papers_once(paper_factory, refresh, docs):
    paper_factory(title="Graphene lattice")
    paper_factory(title="Graphene sheets")
    assert refresh() == 2
    assert docs("graphen") == 2 and docs("lattic") == 1
    assert refresh() == 0  # nothing new: nothing counted twice
    paper_factory(title="Lattice models")
    assert refresh() == 1
    assert docs("graphen") == 2 and docs("lattic") == 2
    assert refresh(rebuild=True) == 3
    assert docs("graphen") == 2 and docs("lattic") == 2


def test_refresh_changes_the_ranking_when_a_rare_word_becomes_common(paper_factory, ids, refresh):
    twice = paper_factory(title="Alpha alpha")
    beta = paper_factory(title="Beta")
    refresh()
    assert ids("alpha beta")[:2] == [twice, beta]  # equally rare: more occurrences win
    for i in range(10):
        paper_factory(title=f"Alpha {i}")
    assert ids("alpha beta")[:2] == [twice, beta]  # statistics not refreshed yet
    refresh()
    assert ids("alpha beta")[0] == beta  # "alpha" is common now


def test_stop_words_only_find_nothing(paper_factory, find, refresh):
    paper_factory(title="The state of the art")
    refresh()
    results = find("the of")
    assert results.papers == [] and results.total == 0


def test_total_counts_papers_matching_some_word(paper_factory, find, refresh):
    for i in range(3):
        paper_factory(title=f"Zebrafish {i}")
    paper_factory(title="Medaka")
    paper_factory(title="Unrelated")
    refresh()
    assert find("zebrafish medaka").total == 4
