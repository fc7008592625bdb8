"""/for-you/start: a member with nothing picks categories to follow and papers to save (or
skips, or imports a BibTeX file), in one transaction; then For you is theirs. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from foryou_helpers import DAY, NOW, csrf_of, listed, make_account, signed_in, stored_prefs
from sqlalchemy import select

from paperfeed.store.library_models import CollectionItem, Follow


@pytest.fixture
def papers(paper_factory):
    posted = NOW - timedelta(hours=5)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    return [
        paper_factory(title="Speech", categories=("cs.SD",), upvotes=2, **common),
        paper_factory(title="Language A", categories=("cs.CL",), upvotes=7, **common),
        # No word in common with "Language A": the words term (recommend/word_space.py)
        # leaves the follow's card its reason.
        paper_factory(title="Parsing B", categories=("cs.CL", "cs.LG"), **common),
    ]


def _follows(sessions, user_id):
    with sessions() as s:
        return sorted(s.scalars(select(Follow.key).where(Follow.user_id == user_id)))


def _saved(sessions, user_id):
    with sessions() as s:
        return len(s.scalars(select(CollectionItem).where(CollectionItem.user_id == user_id)).all())


def test_the_start_page_offers_popular_categories_trending_papers_and_import(
    client, session_factory, papers
):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    html = client.get("/for-you/start").text
    assert html.index('value="cs.CL"') < html.index('value="cs.SD"')  # most papers first
    assert "(2 papers lately)" in html
    assert 'value="cs.LG"' not in html  # primary categories only
    assert html.index(f'value="{papers[1]}"') < html.index(f'value="{papers[0]}"')  # trending
    assert 'href="/library/import"' in html


def test_picks_follow_and_save_and_end_the_cold_start(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    token = csrf_of(client.get("/for-you/start").text)
    r = client.post(
        "/for-you/start",
        data={"csrf_token": token, "category": ["cs.SD", "cs.SD"], "paper": [papers[1]]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/for-you"
    assert _follows(session_factory, ada.id) == ["cs.SD"]
    assert _saved(session_factory, ada.id) == 1
    assert stored_prefs(session_factory, ada.id).onboarded_at == NOW
    html = client.get("/for-you").text
    assert "Pick categories and papers" not in html
    assert papers[1] not in listed(html)  # saved: not shown again
    assert "Because you follow cs.SD" in html


def test_a_bad_pick_changes_nothing(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    token = csrf_of(client.get("/for-you/start").text)
    r = client.post(
        "/for-you/start",
        data={"csrf_token": token, "category": ["cs.SD"], "paper": ["2611.99999"]},
    )
    assert r.status_code == 404
    assert _follows(session_factory, ada.id) == [] and _saved(session_factory, ada.id) == 0
    assert stored_prefs(session_factory, ada.id) is None


def test_skipping_marks_the_picks_done_without_following_anything(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    token = csrf_of(client.get("/for-you/start").text)
    r = client.post(
        "/for-you/start",
        data={"csrf_token": token, "action": "skip", "category": ["cs.SD"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _follows(session_factory, ada.id) == []
    assert stored_prefs(session_factory, ada.id).onboarded_at == NOW


def test_too_many_picks_are_refused(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    token = csrf_of(client.get("/for-you/start").text)
    r = client.post("/for-you/start", data={"csrf_token": token, "category": ["cs.SD"] * 51})
    assert r.status_code == 400
