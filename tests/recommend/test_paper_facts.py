"""The liked papers' facts kept in process (recommend/paper_facts.py), on SQLite and
PostgreSQL: a second list reads none of them again; a liked paper re-embedded or edited is
read again by the next list (its new vector changes the order at once); the store is bounded
in bytes; facts read before a change the store has already caught up with are not kept."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from recommend_helpers import NOW, add_paper, axis, make_account, paper_id, save

from paperfeed.recommend import paper_facts as pf
from paperfeed.recommend.for_you import for_you
from paperfeed.search.changes import head_seq
from paperfeed.store.changes import record_changes
from paperfeed.store.db import session_scope

MODEL = "test-model"


class Model:
    model = MODEL


def _ids(sessions, user_id: int) -> list[str]:
    with sessions() as s:
        page = for_you(s, Model(), user_id=user_id, now=NOW, days=7, mix=1.0, limit=50)
        return [item.paper.arxiv_id for item in page.items]


def _store(sessions) -> pf.PaperFacts:
    with sessions() as s:
        return pf.facts_store(s)


def test_liked_papers_are_read_once_and_again_after_they_change(session_factory):
    member = make_account(session_factory, "reader")
    old = timedelta(days=60)  # outside every window: read through the facts store
    liked = [add_paper(session_factory, MODEL, n, axis(0), age=old) for n in (1, 2, 3)]
    for arxiv_id in liked:
        save(session_factory, member.id, arxiv_id)
    near_0 = add_paper(session_factory, MODEL, 10, axis(0, tilt=0.2))
    near_4 = add_paper(session_factory, MODEL, 11, axis(4, tilt=0.2))

    assert _ids(session_factory, member.id) == [near_0, near_4]
    store = _store(session_factory)
    assert store.reads == 3
    assert _ids(session_factory, member.id) == [near_0, near_4]
    assert store.reads == 3  # nothing read again while nothing changed

    # The liked papers re-embedded along axis 4 (an upsert and new vectors: paper_changes).
    for n in (1, 2, 3):
        add_paper(session_factory, MODEL, n, axis(4), age=old, abstract=f"Edited {n}.")
    assert _ids(session_factory, member.id) == [near_4, near_0]
    assert store.reads == 6
    with session_factory() as s:
        facts = pf.paper_facts(s, MODEL, [paper_id(session_factory, liked[0])])
    (fact,) = facts.values()
    assert fact.text == "Paper 1. Edited 1." and np.allclose(fact.vector, axis(4))


def test_facts_read_before_a_change_already_caught_up_with_are_not_kept(session_factory):
    add_paper(session_factory, MODEL, 1, axis(0), age=timedelta(days=60))
    pid = paper_id(session_factory, "2611.00001")
    store = pf.PaperFacts()
    with session_factory() as s:
        stale_head = head_seq(s)
        store.get(s, MODEL, [])
    with session_scope(session_factory) as s:
        record_changes(s, [pid], NOW)
    with session_factory() as s:
        store.get(s, MODEL, [])  # caught up past stale_head
        fact = pf.paper_facts(s, MODEL, [pid])[pid]
    store.keep(MODEL, {pid: fact}, stale_head)
    assert (MODEL, pid) not in store.entries


def test_the_store_is_bounded_in_bytes(session_factory):
    for n in range(1, 9):
        add_paper(session_factory, MODEL, n, axis(n), age=timedelta(days=60))
    ids = [paper_id(session_factory, f"2611.{n:05d}") for n in range(1, 9)]
    with session_factory() as s:
        one = next(iter(pf.paper_facts(s, MODEL, ids[:1]).values())).nbytes
        store = pf.PaperFacts(max_bytes=3 * one + one // 2)
        assert len(store.get(s, MODEL, ids)) == 8  # all answered
    assert len(store.entries) == 3 and store.bytes <= store.max_bytes
    kept = [pid for _model, pid in store.entries]
    assert kept == ids[-3:]  # the least recently used dropped first


@pytest.mark.parametrize("model", [None, MODEL])
def test_without_a_model_no_vector_is_read(session_factory, model):
    add_paper(session_factory, MODEL, 1, axis(0), age=timedelta(days=60))
    pid = paper_id(session_factory, "2611.00001")
    with session_factory() as s:
        fact = pf.PaperFacts().get(s, model, [pid])[pid]
    assert fact.categories == ("cs.LG",)
    assert (fact.vector is None) == (model is None)
