"""Papers seen (for "hide papers I have seen"): a member opening a paper page is recorded
once, cheaply; anonymous readers and hidden papers record nothing."""

from __future__ import annotations

from datetime import timedelta

from foryou_helpers import DAY, NOW, make_account, paper_id, seen_rows, signed_in
from sqlalchemy import Engine, event

from paperfeed.http.deps import get_now
from paperfeed.library.seen import mark_seen
from paperfeed.recommend.candidates import seen_among
from paperfeed.store.db import session_scope


def test_mark_seen_is_idempotent_and_keeps_the_first_time(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    first, second = paper_factory(), paper_factory()
    ids = [paper_id(session_factory, first), paper_id(session_factory, second)]
    with session_scope(session_factory) as session:
        assert mark_seen(session, ada.id, [ids[0], ids[0]], now=NOW) == 1
    with session_scope(session_factory) as session:
        assert mark_seen(session, ada.id, ids, now=NOW + timedelta(hours=1)) == 1
    assert sorted(seen_rows(session_factory, ada.id)) == sorted(
        [(ids[0], NOW), (ids[1], NOW + timedelta(hours=1))]
    )
    with session_factory() as session:
        assert seen_among(session, ada.id, [*ids, 999_999]) == set(ids)


def test_opening_a_paper_page_records_it_once_for_the_member(
    client, app, session_factory, paper_factory
):
    paper = paper_factory(feed_day=DAY)
    ada = make_account(session_factory, "ada")
    assert client.get(f"/papers/{paper}").status_code == 200  # anonymous: nothing
    assert seen_rows(session_factory, ada.id) == []
    signed_in(client, "ada")
    assert client.get(f"/papers/{paper}").status_code == 200
    assert seen_rows(session_factory, ada.id) == [(paper_id(session_factory, paper), NOW)]

    writes = []

    def spy(conn, cursor, statement, *args):
        if "paper_seen" in statement and statement.lstrip().upper().startswith("INSERT"):
            writes.append(statement)

    event.listen(Engine, "before_cursor_execute", spy)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=1)
    try:
        assert client.get(f"/papers/{paper}").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", spy)
    assert writes == []  # seen before: a read, no write
    assert seen_rows(session_factory, ada.id) == [(paper_id(session_factory, paper), NOW)]


def test_a_hidden_or_unknown_paper_records_nothing(client, session_factory, paper_factory):
    from sqlalchemy import update

    from paperfeed.store.models import Paper

    paper = paper_factory(feed_day=DAY)
    with session_scope(session_factory) as session:
        session.execute(update(Paper).where(Paper.arxiv_id == paper).values(hidden=True))
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    assert client.get(f"/papers/{paper}").status_code == 404
    assert client.get("/papers/2611.99999").status_code == 404
    assert seen_rows(session_factory, ada.id) == []
