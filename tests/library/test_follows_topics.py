"""What a followed topic brings (recommend/followed_topics.py): by words, every word; by
meaning, only papers close enough to the query; hybrid, both; on both databases."""

from __future__ import annotations

from members import NOW, make_account
from paperfeed.library import follows
from paperfeed.recommend.following import following_feed
from paperfeed.search.sync import sync_backend
from paperfeed.store.db import session_scope


def brought(runtime, user_id) -> dict[str, list[str]]:
    sync_backend(runtime.search)
    with session_scope(runtime.sessions, write=False) as s:
        page = following_feed(s, runtime.search, runtime.semantic, user_id=user_id, now=NOW)
    return {i.paper.title: i.because for i in page.items}


def test_a_topic_by_words_brings_papers_with_every_word(runtime, paper_factory):
    paper_factory(title="Graph diffusion models", abstract="Nothing else.")
    paper_factory(title="Diffusions on graphs", abstract="Plurals count as the word.")
    paper_factory(title="Graph neural networks", abstract="No second word here.")
    paper_factory(title="Image diffusion", abstract="Nor here.")
    paper_factory(title="Sparse attention", abstract="A phrase: in the middle of it.")
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_topic(s, ada.id, "graph diffusion", mode="keyword", now=NOW)
        follows.follow_topic(s, ada.id, '"middle of it"', mode="keyword", now=NOW)
        follows.follow_topic(s, ada.id, '"it middle"', mode="keyword", now=NOW)
    assert brought(runtime, ada.id) == {
        "Graph diffusion models": ["graph diffusion"],
        "Diffusions on graphs": ["graph diffusion"],
        "Sparse attention": ['"middle of it"'],
    }


def test_hybrid_topic_without_search_by_meaning_falls_back_to_words(runtime, paper_factory):
    assert runtime.semantic is None  # tests/library/conftest.py turns it off
    paper_factory(title="Protein folding at scale")
    paper_factory(title="Laundry robots")
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_topic(s, ada.id, "protein folding", now=NOW)  # hybrid by default
    assert brought(runtime, ada.id) == {"Protein folding at scale": ["protein folding"]}
