"""The library's core in the service layer, on SQLite and PostgreSQL: the default "Saved"
collection, idempotent adds, saves and unsaves, which papers a member has saved, the library
the ranker reads, named collections (rename, public, delete) and ownership (NotFound)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from library_helpers import NOW, hide, items_of, make_account, paper_id, run

from paperfeed.errors import Conflict, InvalidInput, NotFound
from paperfeed.library import collection_edits as edits
from paperfeed.library import collections as lib


def test_saved_collection_is_made_once_and_found_again(session_factory):
    ada = make_account(session_factory, "ada")
    first = run(session_factory, lambda s: lib.saved_collection(s, ada.id, now=NOW).id)
    again = run(session_factory, lambda s: lib.saved_collection(s, ada.id, now=NOW).id)
    assert first == again
    with session_factory() as session:
        [view] = edits.list_collections(session, ada.id)
    assert (view.name, view.is_default, view.public, view.items) == ("Saved", True, False, 0)
    assert len(view.share_key) >= 20 and view.share_path == f"/collections/{view.share_key}"


def test_add_papers_counts_only_new_rows_and_is_idempotent(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    ids = [paper_id(session_factory, paper_factory()) for _ in range(3)]
    saved = run(session_factory, lambda s: lib.saved_collection(s, ada.id, now=NOW).id)

    def add(s, pids):
        return lib.add_papers(s, user_id=ada.id, collection_id=saved, paper_ids=pids, now=NOW)

    assert run(session_factory, add, ids[:2]) == 2
    assert run(session_factory, add, ids) == 1
    assert run(session_factory, add, ids + ids) == 0
    with session_factory() as session:
        assert lib.saved_among(session, ada.id, ids + [10**9]) == set(ids)
        assert lib.saved_among(session, None, ids) == set()


def test_add_papers_to_someone_elses_collection_is_not_found(session_factory, paper_factory):
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    pid = paper_id(session_factory, paper_factory())
    bobs = run(session_factory, lambda s: lib.saved_collection(s, bob.id, now=NOW).id)
    for collection in (bobs, 10**9, -1, 2**70):
        with pytest.raises(NotFound):
            run(
                session_factory,
                lambda s, c=collection: lib.add_papers(
                    s, user_id=ada.id, collection_id=c, paper_ids=[pid], now=NOW
                ),
            )
    assert items_of(session_factory, bob.id) == []


def test_save_and_unsave_a_paper_by_arxiv_id(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    paper = paper_factory()
    state = run(session_factory, lambda s: lib.save_paper(s, ada.id, paper + "v2", now=NOW))
    assert (state.arxiv_id, state.saved, state.changed) == (paper, True, True)
    again = run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    assert (again.saved, again.changed, again.collection_id) == (True, False, state.collection_id)
    assert items_of(session_factory, ada.id) == [("Saved", paper)]
    with session_factory() as session:
        assert lib.saved_arxiv_ids_among(session, ada.id, [paper, "2611.99999"]) == {paper}
    gone = run(session_factory, lambda s: lib.unsave_paper(s, ada.id, paper, now=NOW))
    assert (gone.saved, gone.changed) == (False, True)
    assert (
        run(session_factory, lambda s: lib.unsave_paper(s, ada.id, paper, now=NOW)).changed is False
    )
    assert items_of(session_factory, ada.id) == []


def test_unsave_from_one_collection_keeps_the_paper_in_the_others(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    paper = paper_factory()
    reading = run(
        session_factory, lambda s: edits.create_collection(s, ada.id, name="Reading", now=NOW).id
    )
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW, collection_id=reading))
    state = run(
        session_factory,
        lambda s: lib.unsave_paper(s, ada.id, paper, now=NOW, collection_id=reading),
    )
    assert (state.saved, state.changed) == (True, True)
    assert items_of(session_factory, ada.id) == [("Saved", paper)]
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW, collection_id=reading))
    assert (
        run(session_factory, lambda s: lib.unsave_paper(s, ada.id, paper, now=NOW)).saved is False
    )
    assert items_of(session_factory, ada.id) == []


def test_hidden_unknown_and_malformed_papers_cannot_be_saved(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    paper = paper_factory()
    hide(session_factory, paper)
    for bad, error in ((paper, NotFound), ("2611.99999", NotFound), ("not an id", InvalidInput)):
        with pytest.raises(error):
            run(session_factory, lambda s, b=bad: lib.save_paper(s, ada.id, b, now=NOW))


def test_library_papers_lists_each_paper_once_newest_first(session_factory, paper_factory):
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    old, new, bobs = paper_factory(), paper_factory(), paper_factory()
    reading = run(
        session_factory, lambda s: edits.create_collection(s, ada.id, name="Reading", now=NOW).id
    )
    earlier = NOW - timedelta(days=3)
    run(session_factory, lambda s: lib.save_paper(s, ada.id, old, now=earlier))
    run(session_factory, lambda s: lib.save_paper(s, ada.id, new, now=NOW - timedelta(days=1)))
    run(session_factory, lambda s: lib.save_paper(s, ada.id, new, now=NOW, collection_id=reading))
    run(session_factory, lambda s: lib.save_paper(s, bob.id, bobs, now=NOW))
    with session_factory() as session:
        got = lib.library_papers(session, ada.id)
    assert got == [(paper_id(session_factory, new), NOW), (paper_id(session_factory, old), earlier)]
    assert all(at.tzinfo is not None for _, at in got)


def test_named_collections_rename_publish_and_delete(session_factory, paper_factory):
    ada = make_account(session_factory, "ada")
    paper = paper_factory()
    made = run(
        session_factory,
        lambda s: lib.CollectionView.of(
            edits.create_collection(s, ada.id, name="  Graph   nets ", description="GNNs", now=NOW)
        ),
    )
    assert (made.name, made.description, made.public) == ("Graph nets", "GNNs", False)
    for taken in ("graph NETS", "saved", "SAVED"):
        with pytest.raises(Conflict):
            run(
                session_factory,
                lambda s, n=taken: edits.create_collection(s, ada.id, name=n, now=NOW),
            )
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(InvalidInput):
            run(
                session_factory,
                lambda s, n=bad: edits.create_collection(s, ada.id, name=n, now=NOW),
            )
    later = NOW + timedelta(hours=1)
    run(
        session_factory,
        lambda s: edits.update_collection(s, ada.id, made.id, name="GNNs", public=True, now=later),
    )
    with pytest.raises(Conflict):
        run(
            session_factory,
            lambda s: edits.update_collection(s, ada.id, made.id, name="Saved", now=NOW),
        )
    run(
        session_factory,
        lambda s: lib.save_paper(s, ada.id, paper, now=later, collection_id=made.id),
    )
    with session_factory() as session:
        views = edits.list_collections(session, ada.id)
    assert [(v.name, v.public, v.items) for v in views] == [("Saved", False, 0), ("GNNs", True, 1)]
    assert views[1].updated_at == later
    run(session_factory, lambda s: edits.delete_collection(s, ada.id, made.id))
    assert items_of(session_factory, ada.id) == []
    with pytest.raises(NotFound):
        run(session_factory, lambda s: edits.delete_collection(s, ada.id, made.id))
    default = views[0].id
    with pytest.raises(InvalidInput):
        run(session_factory, lambda s: edits.delete_collection(s, ada.id, default))


def test_another_members_collection_cannot_be_changed(session_factory):
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    bobs = run(
        session_factory, lambda s: edits.create_collection(s, bob.id, name="Mine", now=NOW).id
    )
    with pytest.raises(NotFound):
        run(session_factory, lambda s: edits.update_collection(s, ada.id, bobs, name="x", now=NOW))
    with pytest.raises(NotFound):
        run(session_factory, lambda s: edits.delete_collection(s, ada.id, bobs))
    with pytest.raises(NotFound):
        run(session_factory, lambda s: lib.owned_collection(s, ada.id, bobs))
    with session_factory() as session:
        assert [v.name for v in edits.list_collections(session, bob.id)] == ["Saved", "Mine"]
