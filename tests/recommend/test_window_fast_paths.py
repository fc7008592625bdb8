"""The for-you list's whole-window computations (made fast for 1M papers, see
bench/recommend_speed.py) give what the plain definitions give, on SQLite and PostgreSQL:
the window's trending scores against the trending page's pure formula, stored vectors against
``load_embeddings``, follow matching (paper by paper, and against a window's indexes) against
a follow-by-follow reading of the rules."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from recommend_helpers import NOW, add_paper, at, make_account, paper_id, vote
from sqlalchemy import select

from paperfeed.embed.store import load_embedding_matrix, load_embeddings
from paperfeed.rank.trending import DEFAULT_HALF_LIFE, Candidate, horizon, trending_score
from paperfeed.recommend.follow_match import FollowMatcher, match_window, words_of
from paperfeed.recommend.profile import FollowRule, topic_words
from paperfeed.recommend.window_data import window_data
from paperfeed.recommend.window_load import PaperRow, read_vectors
from paperfeed.recommend.window_papers import papers_from_rows
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperVote

MODEL = "test-model"


def _vector(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_trending_scores_of_a_window_are_the_trending_formula(session_factory):
    members = [make_account(session_factory, f"voter{i}").id for i in range(4)]
    ages = [timedelta(hours=2), timedelta(days=2), timedelta(days=6), timedelta(hours=-3)]
    ids = [
        add_paper(session_factory, MODEL, n, None, age=age, upvotes=7 * n)
        for n, age in enumerate(ages)
    ]
    # Votes of every age: fresh, days old, past the horizon (left out), after as_of (weigh 0).
    offsets = [0.01, 0.5, 1.25, 3.0, 5.5, 29.0, 31.0, -0.2]
    for i, arxiv_id in enumerate(ids):
        for j, member in enumerate(members):
            vote(session_factory, member, arxiv_id, at=at(offsets[(i + j) % len(offsets)]))
    as_of = NOW - timedelta(hours=1)
    with session_factory() as s:
        window = window_data(s, MODEL, since=NOW - timedelta(days=7), until=NOW + timedelta(days=1))
        got = window.trending(as_of, DEFAULT_HALF_LIFE)[window.rows]
        papers = [window.papers.rows[r] for r in window.rows]
        votes = s.execute(select(PaperVote.paper_id, PaperVote.created_at)).all()
    assert len(papers) == 4
    since = as_of - horizon(DEFAULT_HALF_LIFE)
    for paper, score in zip(papers, got, strict=True):
        times = tuple(t for pid, t in votes if pid == paper.paper_id and since <= t <= as_of)
        want = trending_score(
            Candidate(paper.paper_id, paper.posted_at, paper.imported_upvotes, times),
            as_of,
            DEFAULT_HALF_LIFE,
        )
        assert score == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert max(got) > 0


def test_stored_vectors_read_as_one_matrix_are_the_stored_vectors(session_factory):
    ids = [add_paper(session_factory, MODEL, n, _vector(n, 384)) for n in range(1, 6)]
    add_paper(session_factory, MODEL, 9, None)  # not embedded: absent
    pids = [paper_id(session_factory, a) for a in ids] + [paper_id(session_factory, "2611.00009")]
    with session_factory() as s:
        found, matrix = load_embedding_matrix(s, MODEL, pids)
        plain = load_embeddings(s, MODEL, pids)
        unit = read_vectors(s, MODEL, pids)
        assert load_embedding_matrix(s, "other-model", pids)[0] == []
        assert load_embedding_matrix(s, MODEL, [])[0] == []
    assert sorted(found) == sorted(plain) == sorted(unit) == sorted(pids[:5])
    assert matrix.dtype == np.float32 and matrix.shape == (5, 384)
    for pid, row in zip(found, matrix, strict=True):
        np.testing.assert_array_equal(row, plain[pid])
        np.testing.assert_allclose(unit[pid], plain[pid] / np.linalg.norm(plain[pid]), rtol=1e-6)


def test_a_zero_vector_is_left_out_of_the_unit_vectors(session_factory):
    arxiv_id = add_paper(session_factory, MODEL, 1, np.zeros(8, dtype=np.float32))
    with session_factory() as s:
        assert read_vectors(s, MODEL, [paper_id(session_factory, arxiv_id)]) == {}


def _reference(rules, authors, categories, text):
    """The rules read one by one, as their definitions say."""
    names = {" ".join(a.split()).casefold() for a in authors}
    cats = {c.casefold() for c in categories}
    words = set(words_of(text)) if text else set()
    return [
        r
        for r in rules
        if (r.kind == "author" and r.key in names)
        or (r.kind == "category" and r.key in cats)
        or (r.kind == "topic" and words and all(w in words for w in r.words))
    ]


RULES = [
    FollowRule("category", "cs.cl", "cs.CL"),
    FollowRule("author", "ada lovelace", "Ada Lovelace"),
    FollowRule("topic", "keyword:graph networks", "graph networks", topic_words("graph networks")),
    FollowRule("author", "émile noël", "Émile Noël"),
    FollowRule("topic", "keyword:straße", "Straße", topic_words("Straße")),
    FollowRule("topic", "keyword:rl", "RL", topic_words("RL")),
    FollowRule("category", "cs.lg", "cs.LG"),
]

PAPERS = [
    (("Ada  Lovelace", "B. Babbage"), ("cs.LG", "cs.CL"), "Graph networks, at scale"),
    (("ÉMILE NOËL",), ("stat.ML",), "networks of graph_theory"),  # "graph_theory" is 2 words
    ((), ("CS.CL",), "subgraph networks"),  # "graph" only inside a word
    (("Someone",), (), "Die STRASSE und RL-Agenten"),  # casefold: straße == strasse
    (("Someone",), ("cs.AI",), None),
    (("ada lovelace",), ("cs.ai",), "graph; networks; rl"),
]


@pytest.mark.parametrize("authors,categories,text", PAPERS)
def test_follow_matching_is_the_rules_read_one_by_one(authors, categories, text):
    folded = text.casefold() if text else None
    want = _reference(RULES, authors, categories, folded)
    assert FollowMatcher(RULES).match(authors, categories, folded) == want


def test_follow_matching_finds_what_the_examples_say():
    matcher = FollowMatcher(RULES)
    labels = [
        [r.label for r in matcher.match(a, c, t.casefold() if t else None)] for a, c, t in PAPERS
    ]
    assert labels[0] == ["cs.CL", "Ada Lovelace", "graph networks", "cs.LG"]
    assert labels[1] == ["graph networks", "Émile Noël"]
    assert labels[2] == ["cs.CL"]
    assert labels[3] == ["Straße", "RL"]
    assert labels[4] == []
    assert labels[5] == ["Ada Lovelace", "graph networks", "RL"]
    assert not FollowMatcher([]).wants_text and matcher.wants_text


def test_words_are_runs_of_alphanumeric_characters():
    text = "Graph_theory: x2 (GNN-based), naïve café ½ ٣"
    want = "".join(c if c.isalnum() else " " for c in text.casefold()).split()
    assert words_of(text) == want


def test_follow_matching_against_a_window_is_matching_paper_by_paper():
    rows = [
        PaperRow(i + 1, f"2611.{i:05d}", text or "", "", authors, categories, NOW, 0)
        for i, (authors, categories, text) in enumerate(PAPERS)
    ]
    papers = papers_from_rows(None, NOW.date(), NOW.date(), rows, {})
    bonus = {"author": 0.3, "topic": 0.2, "category": 0.1}
    candidates = np.array([0, 2, 3, 4, 5])  # one row left out: not a candidate
    total, first = match_window(papers, candidates, RULES, bonus)
    for j, r in enumerate(candidates):
        row = papers.rows[r]
        text = row.title.casefold() if row.title else None
        want = FollowMatcher(RULES).match(row.authors, row.categories, text)
        assert total[j] == pytest.approx(sum(bonus[w.kind] for w in want))
        assert first[j] == (RULES.index(want[0]) if want else -1)


def test_window_papers_are_newest_first_and_visible(session_factory):
    for n, hours in enumerate([5, 1, 3], start=1):
        add_paper(session_factory, MODEL, n, None, age=timedelta(hours=hours))
    with session_scope(session_factory) as s:
        s.query(Paper).filter(Paper.arxiv_id == "2611.00003").update({"hidden": True})
    with session_factory() as s:
        window = window_data(s, MODEL, since=NOW - timedelta(days=1), until=NOW)
    assert [window.papers.arxiv_ids[r] for r in window.rows] == ["2611.00002", "2611.00001"]
