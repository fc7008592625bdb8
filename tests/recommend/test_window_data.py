"""The window's shared data kept in process (recommend/window_data.py), on SQLite and
PostgreSQL: the next list sees at once a new paper, a hidden one and a new vote, re-reading
only what changed; a hidden paper is never shown even when the change log was bypassed; a
change committed out of seq order (PostgreSQL) is still found; the store is bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from recommend_helpers import NOW, add_paper, axis, make_account, paper_id, save
from sqlalchemy import delete, func, insert, select, update

from paperfeed.recommend import window_data as wd
from paperfeed.recommend.for_you import for_you
from paperfeed.service.moderation import set_paper_hidden
from paperfeed.service.votes import upvote
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange

MODEL = "test-model"


class Model:
    """What for_you reads of a vector index: its model's name."""

    model = MODEL


def _page(sessions, user_id: int):
    with sessions() as s:
        page = for_you(s, Model(), user_id=user_id, now=NOW, days=7, mix=0.7, limit=50)
        return page, wd.store_of(s)


def _ids(page) -> list[str]:
    return [item.paper.arxiv_id for item in page.items]


def _state(store: wd.WindowStore) -> wd.WindowState:
    (state,) = store.states.values()
    return state


@pytest.fixture
def reader(session_factory):
    member = make_account(session_factory, "reader")
    mine = add_paper(session_factory, MODEL, 1, axis(0), age=timedelta(days=40))
    save(session_factory, member.id, mine)
    return member.id


def test_the_next_list_sees_a_new_paper_a_hidden_one_and_a_vote_at_once(session_factory, reader):
    near = add_paper(session_factory, MODEL, 2, axis(0, tilt=0.3))
    far = add_paper(session_factory, MODEL, 3, axis(4))
    page, store = _page(session_factory, reader)
    assert _ids(page) == [near, far] and store.rebuilds == 1
    first = _state(store).papers

    nearer = add_paper(session_factory, MODEL, 4, axis(0, tilt=0.1))
    page, _ = _page(session_factory, reader)
    assert _ids(page) == [nearer, near, far]

    admin = make_account(session_factory, "curator", role="admin")
    with session_scope(session_factory) as s:
        set_paper_hidden(s, admin, near, True, now=NOW)
    page, _ = _page(session_factory, reader)
    assert _ids(page) == [nearer, far]
    hidden_row = _state(store).papers
    assert paper_id(session_factory, near) not in hidden_row.row_of

    before = {i.paper.arxiv_id: i.community for i in page.items}
    voter = make_account(session_factory, "voter").id
    with session_scope(session_factory) as s:
        upvote(s, voter, far, now=NOW)
    page, _ = _page(session_factory, reader)
    after = {i.paper.arxiv_id: i.community for i in page.items}
    assert before[far] == 0 and after[far] == pytest.approx(1.0)
    # Only the changed papers were read again: no whole read since the first list, and a
    # vote left the papers' snapshot (and what was derived from it) as it was.
    assert store.rebuilds == 1
    assert _state(store).papers is hidden_row and hidden_row is not first


def test_a_paper_hidden_behind_the_change_logs_back_is_still_not_shown(session_factory, reader):
    shown = add_paper(session_factory, MODEL, 2, axis(0, tilt=0.3))
    other = add_paper(session_factory, MODEL, 3, axis(1))
    page, store = _page(session_factory, reader)
    assert _ids(page) == [shown, other]
    with session_scope(session_factory) as s:  # no change recorded: the window cannot know
        s.execute(update(Paper).where(Paper.arxiv_id == shown).values(hidden=True))
    page, _ = _page(session_factory, reader)
    assert _ids(page) == [other]  # the cards are read from the store on every request
    assert paper_id(session_factory, shown) in _state(store).papers.row_of


def test_a_change_committed_after_a_later_seq_is_found(session_factory, reader):
    """On PostgreSQL a transaction can commit seq n after another committed n + 1; here
    the same order of commits is made by hand (on both backends): the window, once past the
    gap, still asks for the missing seqs and finds the late paper."""
    add_paper(session_factory, MODEL, 2, axis(0, tilt=0.3))
    with session_factory() as s:
        head = s.scalar(select(func.max(PaperChange.seq)))
    with session_scope(session_factory) as s:  # seq head + 3 commits first
        s.execute(insert(PaperChange).values(seq=head + 3, paper_id=1, changed_at=NOW))
    page, store = _page(session_factory, reader)
    assert _state(store).version == head + 3
    assert [g[:2] for g in _state(store).gaps] == [(head + 1, head + 2)]

    late = add_paper(session_factory, MODEL, 5, None)
    late_id = paper_id(session_factory, late)
    with session_scope(session_factory) as s:  # its change becomes seq head + 1, in the gap
        s.execute(delete(PaperChange).where(PaperChange.paper_id == late_id))
        s.execute(insert(PaperChange).values(seq=head + 1, paper_id=late_id, changed_at=NOW))
    page, _ = _page(session_factory, reader)
    assert late in _ids(page) and store.rebuilds == 1
    assert [g[:2] for g in _state(store).gaps] == [(head + 2, head + 2)]


def test_many_changes_read_the_window_whole_and_the_store_is_bounded(
    session_factory, reader, monkeypatch
):
    add_paper(session_factory, MODEL, 2, axis(0, tilt=0.3))
    page, store = _page(session_factory, reader)
    monkeypatch.setattr(wd, "MAX_INCREMENTAL", 1)
    add_paper(session_factory, MODEL, 3, axis(1))
    add_paper(session_factory, MODEL, 4, axis(2))
    page, _ = _page(session_factory, reader)
    assert len(page.items) == 3 and store.rebuilds == 2
    store.max_bytes = 1  # one window at least is always kept
    with session_factory() as s:
        for days in (1, 30):
            for_you(s, Model(), user_id=reader, now=NOW, days=days, mix=0.7)
    assert len(store.states) == 1
    assert next(iter(store.states))[1] == (NOW - timedelta(days=30)).date()
