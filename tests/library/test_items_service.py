"""Browsing a collection and the whole library in the service layer, on both databases:
sorting, searching words (in titles, authors, tags and notes, case- and accent-aware),
filtering by tag, notes and tags (cleaned, limited, plain text), move and copy, and the
share URL (public for anyone, private only for its owner: NotFound for everyone else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from library_helpers import NOW, hide, make_account, run

from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library import collection_edits as edits
from paperfeed.library import collections as lib
from paperfeed.library import items


@pytest.fixture
def shelf(session_factory, paper_factory):
    """ada's "Saved" with three papers added a day apart, oldest first: a, b, c."""
    ada = make_account(session_factory, "ada")
    a = paper_factory(
        title="Graph networks for molecules", upvotes=5, published_at=NOW - timedelta(days=9)
    )
    b = paper_factory(title="Attention is all you need", authors=("Ashish Vaswani",), upvotes=50,
                      published_at=NOW - timedelta(days=1))  # fmt: skip
    c = paper_factory(title="Zebra finches sing", upvotes=1, published_at=NOW - timedelta(days=5))
    for n, paper in enumerate((a, b, c)):
        run(
            session_factory,
            lambda s, p=paper, n=n: lib.save_paper(s, ada.id, p, now=NOW + timedelta(days=n)),
        )
    saved = run(session_factory, lambda s: lib.saved_collection(s, ada.id, now=NOW).id)
    return ada, saved, (a, b, c)


def _ids(page):
    return [item.paper.arxiv_id for item in page.items]


def _list(sessions, user_id, collection_id, **kw):
    with sessions() as session:
        return items.collection_items(
            session, lib.owned_collection(session, user_id, collection_id), **kw
        )


def test_sorts_and_pages(session_factory, shelf):
    ada, saved, (a, b, c) = shelf
    assert _ids(_list(session_factory, ada.id, saved)) == [c, b, a]
    assert _ids(_list(session_factory, ada.id, saved, sort="oldest")) == [a, b, c]
    assert _ids(_list(session_factory, ada.id, saved, sort="title")) == [b, a, c]
    assert _ids(_list(session_factory, ada.id, saved, sort="published")) == [b, c, a]
    assert _ids(_list(session_factory, ada.id, saved, sort="upvotes")) == [b, a, c]
    page = _list(session_factory, ada.id, saved, limit=2, offset=1)
    assert (_ids(page), page.total) == ([b, a], 3)
    with pytest.raises(InvalidInput):
        _list(session_factory, ada.id, saved, sort="random")
    with pytest.raises(InvalidInput):
        _list(session_factory, ada.id, saved, q="x" * 201)


def test_search_matches_title_author_tag_and_note(session_factory, shelf):
    ada, saved, (a, b, c) = shelf
    run(
        session_factory,
        lambda s: items.annotate(
            s, ada.id, saved, c, note="Read for the café talk", tags="Birds, audio", now=NOW
        ),
    )
    run(
        session_factory,
        lambda s: items.annotate(s, ada.id, saved, a, tags=["Chemistry", "GNN"], now=NOW),
    )
    assert _ids(_list(session_factory, ada.id, saved, q="GRAPH")) == [a]
    assert _ids(_list(session_factory, ada.id, saved, q="vaswani")) == [b]
    assert _ids(_list(session_factory, ada.id, saved, q="CAFÉ")) == [c]
    assert _ids(_list(session_factory, ada.id, saved, q="birds sing")) == [c]
    assert _ids(_list(session_factory, ada.id, saved, q="birds graph")) == []
    assert _ids(_list(session_factory, ada.id, saved, tag="gnn")) == [a]
    assert _ids(_list(session_factory, ada.id, saved, q="café", notes=False)) == []
    page = _list(session_factory, ada.id, saved)
    assert page.tags == (("audio", 1), ("Birds", 1), ("Chemistry", 1), ("GNN", 1))
    assert [i.note for i in page.items] == ["Read for the café talk", "", ""]


def test_notes_and_tags_are_cleaned_and_limited(session_factory, shelf):
    ada, saved, (a, _b, _c) = shelf
    view = run(
        session_factory,
        lambda s: items.annotate(
            s, ada.id, saved, a, note="  <b>bold</b>\r\nline  ", tags=" x ,X, <i>y</i>,, ", now=NOW
        ),
    )
    assert view.note == "<b>bold</b>\nline" and view.tags == ("x", "<i>y</i>")
    for bad in (
        {"note": "n" * 10_001},
        {"tags": ["t" * 51]},
        {"tags": [f"t{i}" for i in range(21)]},
        {"tags": [3]},
    ):
        with pytest.raises(InvalidInput):
            run(
                session_factory,
                lambda s, kw=bad: items.annotate(s, ada.id, saved, a, now=NOW, **kw),
            )
    with session_factory() as session:
        assert items.get_item(session, ada.id, saved, a).note == "<b>bold</b>\nline"


def test_annotating_a_paper_not_in_the_collection(session_factory, shelf, paper_factory):
    ada, saved, _ = shelf
    other = paper_factory()
    with pytest.raises(NotFound):
        run(session_factory, lambda s: items.annotate(s, ada.id, saved, other, note="x", now=NOW))
    view = run(
        session_factory,
        lambda s: items.annotate(s, ada.id, saved, other, note="x", add=True, now=NOW),
    )
    assert (view.paper.arxiv_id, view.note) == (other, "x")


def test_another_members_notes_are_not_found(session_factory, shelf):
    ada, saved, (a, _b, _c) = shelf
    bob = make_account(session_factory, "bob")
    run(session_factory, lambda s: items.annotate(s, ada.id, saved, a, note="secret", now=NOW))
    with session_factory() as session, pytest.raises(NotFound):
        items.get_item(session, bob.id, saved, a)
    with pytest.raises(NotFound):
        run(
            session_factory, lambda s: items.annotate(s, bob.id, saved, a, note="mine now", now=NOW)
        )
    with session_factory() as session:
        assert items.get_item(session, ada.id, saved, a).note == "secret"


def test_move_and_copy_keep_note_and_tags(session_factory, shelf):
    ada, saved, (a, b, _c) = shelf
    reading = run(
        session_factory, lambda s: edits.create_collection(s, ada.id, name="Reading", now=NOW).id
    )
    run(
        session_factory,
        lambda s: items.annotate(s, ada.id, saved, a, note="n", tags=["t"], now=NOW),
    )
    copied = run(
        session_factory,
        lambda s: items.move_item(s, ada.id, a, from_id=saved, to_id=reading, copy=True, now=NOW),
    )
    assert (copied.collection_id, copied.note, copied.tags) == (reading, "n", ("t",))
    moved = run(
        session_factory,
        lambda s: items.move_item(s, ada.id, b, from_id=saved, to_id=reading, now=NOW),
    )
    assert moved.collection_id == reading
    assert set(_ids(_list(session_factory, ada.id, reading))) == {a, b}
    assert b not in _ids(_list(session_factory, ada.id, saved))
    with pytest.raises(NotFound):
        run(
            session_factory,
            lambda s: items.move_item(s, ada.id, b, from_id=saved, to_id=reading, now=NOW),
        )


def test_whole_library_lists_each_paper_once_with_its_collections(session_factory, shelf):
    ada, saved, (a, b, c) = shelf
    reading = run(
        session_factory, lambda s: edits.create_collection(s, ada.id, name="Reading", now=NOW).id
    )
    run(
        session_factory,
        lambda s: items.annotate(
            s,
            ada.id,
            reading,
            a,
            tags=["later"],
            note="deep",
            add=True,
            now=NOW + timedelta(days=9),
        ),
    )
    hide(session_factory, c)
    with session_factory() as session:
        page = items.library_items(session, ada.id)
        found = items.library_items(session, ada.id, q="deep")
    assert (_ids(page), page.total) == ([a, b], 2)
    assert page.items[0].collections == ((saved, "Saved"), (reading, "Reading"))
    assert page.items[0].tags == ("later",) and page.items[0].note is None
    assert _ids(found) == [a]


def test_share_url_is_public_only_when_the_owner_says_so(session_factory, shelf):
    ada, saved, _ = shelf
    bob = make_account(session_factory, "bob")
    with session_factory() as session:
        key = lib.owned_collection(session, ada.id, saved).share_key
        assert edits.shared_collection(session, key, ada.id)[1] == "ada"
        for viewer in (bob.id, None):
            with pytest.raises(NotFound):
                edits.shared_collection(session, key, viewer)
        with pytest.raises(NotFound):
            edits.shared_collection(session, "nope", ada.id)
    run(session_factory, lambda s: edits.update_collection(s, ada.id, saved, public=True, now=NOW))
    with session_factory() as session:
        row, owner = edits.shared_collection(session, key, None)
    assert (row.id, owner) == (saved, "ada")
