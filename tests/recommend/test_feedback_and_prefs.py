"""Feedback on papers and the for-you settings in the service layer, on SQLite and
PostgreSQL: idempotent writes, one row per paper, undo, validation before any write, and
both gone with the account."""

from __future__ import annotations

import pytest
from recommend_helpers import NOW, add_paper, make_account, paper_id
from sqlalchemy import func, select

from members import PASSWORD
from paperfeed.accounts import users
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library.feedback import clear_feedback, feedback_among, feedback_of, set_feedback
from paperfeed.library.prefs import DEFAULT_MIX, get_prefs, set_prefs
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import PaperFeedback, ReaderPrefs


def _set(sessions, user_id, arxiv_id, kind):
    with session_scope(sessions) as s:
        return set_feedback(s, user_id, arxiv_id, kind, now=NOW)


def test_feedback_is_one_row_per_paper_idempotent_and_undoable(session_factory):
    ada = make_account(session_factory, "ada")
    paper = add_paper(session_factory, "m", 1, None)
    first = _set(session_factory, ada.id, paper, "more")
    assert (first.kind, first.changed) == ("more", True)
    assert _set(session_factory, ada.id, paper + "v3", "more").changed is False
    switched = _set(session_factory, ada.id, paper, "not_interested")
    assert (switched.kind, switched.changed) == ("not_interested", True)
    with session_factory() as s:
        assert feedback_of(s, ada.id) == {paper_id(session_factory, paper): "not_interested"}
        assert feedback_among(s, ada.id, [paper, "2611.99999"]) == {paper: "not_interested"}
        assert feedback_among(s, None, [paper]) == {}
        assert s.scalar(select(func.count()).select_from(PaperFeedback)) == 1
    with session_scope(session_factory) as s:
        assert clear_feedback(s, ada.id, paper, now=NOW).changed is True
    with session_scope(session_factory) as s:
        gone = clear_feedback(s, ada.id, paper, now=NOW)
    assert (gone.kind, gone.changed) == (None, False)


def test_feedback_refuses_unknown_kinds_and_papers(session_factory):
    ada = make_account(session_factory, "ada")
    paper = add_paper(session_factory, "m", 1, None)
    with pytest.raises(InvalidInput):
        _set(session_factory, ada.id, paper, "love")
    with pytest.raises(NotFound):
        _set(session_factory, ada.id, "2611.99999", "more")
    with pytest.raises(InvalidInput):
        _set(session_factory, ada.id, "<script>", "more")
    with session_factory() as s:
        assert feedback_of(s, ada.id) == {}


def test_prefs_default_then_stored_and_checked_before_writing(session_factory):
    ada = make_account(session_factory, "ada")
    with session_factory() as s:
        prefs = get_prefs(s, ada.id)
    assert (prefs.mix, prefs.days, prefs.hide_seen) == (DEFAULT_MIX, 7, False)
    with session_scope(session_factory) as s:
        changed = set_prefs(s, ada.id, mix=0.25, now=NOW)
    assert (changed.mix, changed.days) == (0.25, 7)
    with session_scope(session_factory) as s:
        set_prefs(s, ada.id, days=30, hide_seen=True, onboarded=True, now=NOW)
    for bad in ({"mix": -0.1}, {"mix": 2}, {"mix": "lots"}, {"days": 14}, {"days": True}):
        with pytest.raises(InvalidInput), session_scope(session_factory) as s:
            set_prefs(s, ada.id, now=NOW, **bad)
    with session_factory() as s:
        prefs = get_prefs(s, ada.id)
    assert (prefs.mix, prefs.days, prefs.hide_seen, prefs.onboarded_at) == (0.25, 30, True, NOW)


def test_feedback_and_prefs_go_with_the_account(session_factory):
    ada = make_account(session_factory, "ada")
    _set(session_factory, ada.id, add_paper(session_factory, "m", 1, None), "more")
    with session_scope(session_factory) as s:
        set_prefs(s, ada.id, mix=0.1, now=NOW)
    with session_scope(session_factory) as s:
        users.delete_account(s, ada.id, password=PASSWORD)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PaperFeedback)) == 0
        assert s.scalar(select(func.count()).select_from(ReaderPrefs)) == 0
