"""Deleting an account deletes its library (collections and items), on both databases;
other members' libraries and the papers themselves stay."""

from __future__ import annotations

from library_helpers import NOW, PASSWORD, items_of, make_account, run
from sqlalchemy import func, select

from paperfeed.accounts import users
from paperfeed.library import collection_edits as edits
from paperfeed.library import collections as lib
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import Paper


def test_deleting_an_account_deletes_its_collections_and_items(session_factory, paper_factory):
    ada, bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    paper = paper_factory()
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    named = run(session_factory, lambda s: edits.create_collection(s, ada.id, name="X", now=NOW).id)
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW, collection_id=named))
    run(session_factory, lambda s: lib.save_paper(s, bob.id, paper, now=NOW))
    run(session_factory, lambda s: users.delete_account(s, ada.id, password=PASSWORD))
    with session_factory() as session:
        left = session.scalars(select(Collection.user_id)).all()
        item_owners = session.scalars(select(CollectionItem.user_id)).all()
        papers = session.scalar(select(func.count()).select_from(Paper))
    assert set(left) == {bob.id} and item_owners == [bob.id]
    assert papers == 1
    assert items_of(session_factory, bob.id) == [("Saved", paper)]
