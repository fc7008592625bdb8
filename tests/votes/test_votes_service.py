"""Upvotes in the service layer, on SQLite and PostgreSQL: exact counts, idempotence, imports
on top of votes, account deletion, and many concurrent votes counted exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select
from votes_helpers import NOW, counts, hide, make_member

from paperfeed.accounts import users
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service import votes
from paperfeed.store.db import session_scope
from paperfeed.store.models import PaperChange


def _set(sessions, user_id, arxiv_id, up=True):
    with session_scope(sessions) as session:
        return votes.set_vote(session, user_id, arxiv_id, up=up, now=NOW)


def _head(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.max(PaperChange.seq))) or 0


def test_upvote_counts_once_and_removing_it_counts_down_once(session_factory, paper_factory):
    paper = paper_factory(upvotes=10, feed_day=date(2026, 11, 20))
    ada, _ = make_member(session_factory, "ada")
    before = _head(session_factory)
    first = _set(session_factory, ada.id, paper)
    assert (first.upvotes, first.upvoted, first.changed) == (11, True, True)
    again = _set(session_factory, ada.id, paper + "v2")  # a version suffix names the same paper
    assert (again.upvotes, again.upvoted, again.changed) == (11, True, False)
    assert counts(session_factory, paper) == (11, 10, 1)
    assert _head(session_factory) == before + 1  # one change for the cache, none for the no-op
    gone = _set(session_factory, ada.id, paper, up=False)
    assert (gone.upvotes, gone.upvoted, gone.changed) == (10, False, True)
    assert _set(session_factory, ada.id, paper, up=False).upvotes == 10
    assert counts(session_factory, paper) == (10, 10, 0)
    with session_factory() as session:
        assert votes.vote_state(session, None, paper).upvoted is False
        assert votes.upvoted_among(session, ada.id, [paper]) == frozenset()


def test_hidden_unknown_and_malformed_papers_cannot_be_voted_on(session_factory, paper_factory):
    paper = paper_factory()
    ada, _ = make_member(session_factory, "ada")
    hide(session_factory, paper)
    with pytest.raises(NotFound):
        _set(session_factory, ada.id, paper)
    with pytest.raises(NotFound):
        _set(session_factory, ada.id, "2611.99999")
    with pytest.raises(InvalidInput):
        _set(session_factory, ada.id, "'; DROP TABLE paper_votes; --")
    assert counts(session_factory, paper) == (0, 0, 0)


def test_a_new_import_moves_the_base_and_keeps_members_votes(session_factory, paper_factory):
    paper = paper_factory(upvotes=10)
    for name in ("ada", "bob"):
        _set(session_factory, make_member(session_factory, name)[0].id, paper)
    assert counts(session_factory, paper) == (12, 10, 2)
    with session_scope(session_factory) as session:
        upsert_records(
            session,
            [PaperRecord.build(arxiv_id=paper, title="T", upvotes=15)],
            source="hf",
            now=NOW,
        )
    assert counts(session_factory, paper) == (17, 15, 2)
    with session_scope(session_factory) as session:  # a source that knows no count: unchanged
        upsert_records(
            session, [PaperRecord.build(arxiv_id=paper, title="New")], source="x", now=NOW
        )
    assert counts(session_factory, paper) == (17, 15, 2)


def test_deleting_an_account_removes_its_votes_and_lowers_the_counts(
    session_factory, paper_factory
):
    a, b = paper_factory(upvotes=3), paper_factory(upvotes=0)
    ada, _ = make_member(session_factory, "ada")
    bob, _ = make_member(session_factory, "bob")
    for paper in (a, b):
        _set(session_factory, ada.id, paper)
    _set(session_factory, bob.id, a)
    assert counts(session_factory, a) == (5, 3, 2)
    before = _head(session_factory)
    with session_scope(session_factory) as session:
        users.delete_users(session, [ada.id])
    assert counts(session_factory, a) == (4, 3, 1)
    assert counts(session_factory, b) == (0, 0, 0)
    assert _head(session_factory) == before + 2  # both papers' cached pages are stale now
    with session_factory() as session:
        assert votes.upvoted_among(session, bob.id, [a, b]) == {a}


@pytest.mark.slow
def test_concurrent_votes_are_counted_exactly_once(session_factory, paper_factory):
    """Many members vote at once, each several times in parallel, and some take their vote
    back at the same moment: the count is the imported base plus the rows, exactly."""
    paper = paper_factory(upvotes=100)
    members = [make_member(session_factory, f"m{i:02d}")[0].id for i in range(16)]
    # Every member upvotes 3 times at once: 48 requests, 16 votes.
    jobs = [(uid, True) for uid in members for _ in range(3)]
    _run_at_once(session_factory, paper, jobs)
    assert counts(session_factory, paper) == (116, 100, 16)
    # The first 8 members take it back (twice each, at once) while the others upvote again.
    jobs = [(uid, False) for uid in members[:8] for _ in range(2)]
    jobs += [(uid, True) for uid in members[8:] for _ in range(2)]
    _run_at_once(session_factory, paper, jobs)
    assert counts(session_factory, paper) == (108, 100, 8)


def _run_at_once(sessions, paper: str, jobs: list[tuple[int, bool]]) -> None:
    start = threading.Barrier(len(jobs))

    def vote(job):
        uid, up = job
        start.wait()
        return _set(sessions, uid, paper, up=up)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(vote, jobs))
    assert len(results) == len(jobs)
