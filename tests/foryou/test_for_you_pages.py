"""/for-you without JavaScript: plain forms for the window, the mix and hide-seen (stored per
member), "more like this" / "not interested" on every card with undo, reasons on cards, the
cold-start notice, and what is shown as text. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from foryou_helpers import (
    DAY,
    NOW,
    csrf_of,
    listed,
    make_account,
    save_directly,
    signed_in,
    stored_prefs,
)

from paperfeed.library.follows import follow_category
from paperfeed.store.db import session_scope


@pytest.fixture
def papers(paper_factory):
    """Three feed papers of today: two in cs.CL (one much upvoted), one in cs.CV."""
    posted = NOW - timedelta(hours=2)
    common = {"feed_day": DAY, "submitted_at": posted, "published_at": posted}
    return {
        "quiet_cl": paper_factory(title="Parsing quietly", categories=("cs.CL",), **common),
        "hot_cv": paper_factory(title="Seeing loudly", categories=("cs.CV",), upvotes=30, **common),
        "warm_cl": paper_factory(
            title="Parsing warmly", categories=("cs.CL",), upvotes=3, **common
        ),
    }


def _settings_form(client, **fields):
    page = client.get("/for-you").text
    data = {"csrf_token": csrf_of(page), "days": "7", "mix": "70", "next": "/for-you"}
    data.update(fields)
    return client.post("/for-you/settings", data=data, follow_redirects=False)


def _feedback(client, arxiv_id: str, kind: str, next_path: str = "/for-you"):
    token = csrf_of(client.get("/for-you").text)
    return client.post(
        f"/papers/{arxiv_id}/feedback",
        data={"csrf_token": token, "kind": kind, "next": next_path},
        follow_redirects=False,
    )


def test_anonymous_readers_are_sent_to_log_in(client):
    r = client.get("/for-you", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Ffor-you"


def test_a_new_member_sees_trending_and_is_offered_the_cold_start(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    r = client.get("/for-you")
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    assert 'href="/for-you/start"' in r.text and 'href="/library/import"' in r.text
    assert listed(r.text)[0] == papers["hot_cv"]  # trending first
    assert "Trending in the community" in r.text


def test_a_followed_category_ranks_its_papers_first_and_says_why(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as session:
        follow_category(session, ada.id, "cs.CL", now=NOW)
    signed_in(client, "ada")
    assert _settings_form(client, mix="100").status_code == 303  # only mine
    html = client.get("/for-you").text
    assert "Pick categories and papers" not in html  # not a cold start any more
    assert set(listed(html)[:2]) == {papers["quiet_cl"], papers["warm_cl"]}
    assert html.count("Because you follow cs.CL") == 2
    _settings_form(client, mix="0")  # only the community: the upvoted paper leads again
    assert listed(client.get("/for-you").text)[0] == papers["hot_cv"]


def test_the_settings_form_stores_window_mix_and_hide_seen_per_member(
    client, session_factory, papers
):
    ada = make_account(session_factory, "ada")
    make_account(session_factory, "bob")
    signed_in(client, "ada")
    r = _settings_form(client, days="30", mix="25", hide_seen="1")
    assert r.status_code == 303 and r.headers["location"] == "/for-you"
    prefs = stored_prefs(session_factory, ada.id)
    assert (prefs.days, prefs.mix, prefs.hide_seen) == (30, 0.25, True)
    html = client.get("/for-you").text
    assert 'name="mix" min="0" max="100" step="5" value="25"' in html
    assert 'value="30" checked' in html and 'name="hide_seen" value="1" checked' in html
    _settings_form(client, days="1", mix="100")  # unchecked box: hide_seen off
    prefs = stored_prefs(session_factory, ada.id)
    assert (prefs.days, prefs.mix, prefs.hide_seen) == (1, 1.0, False)


@pytest.mark.parametrize(
    "fields", [{"days": "3"}, {"mix": "101"}, {"mix": "-1"}, {"mix": "half"}, {"days": "x"}]
)
def test_bad_settings_are_refused_and_nothing_is_stored(client, session_factory, fields):
    ada = make_account(session_factory, "ada")
    signed_in(client, "ada")
    r = _settings_form(client, **fields)
    assert r.status_code == 400
    assert stored_prefs(session_factory, ada.id) is None


def test_not_interested_hides_the_paper_and_undo_brings_it_back(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    hot = papers["hot_cv"]
    r = _feedback(client, hot, "not_interested")
    assert r.status_code == 303 and r.headers["location"] == f"/for-you?hidden={hot}"
    page = client.get(r.headers["location"]).text
    assert hot not in listed(page)
    assert "You will not see" in page and "Seeing loudly" in page  # the undo notice
    assert f'action="/papers/{hot}/feedback"' in page and 'value="clear">Undo' in page
    r = _feedback(client, hot, "clear")
    assert r.status_code == 303 and r.headers["location"] == f"/for-you#paper-{hot}"
    assert hot in listed(client.get("/for-you").text)


def test_more_like_this_is_shown_pressed_and_undoes_itself(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    warm = papers["warm_cl"]
    r = _feedback(client, warm, "more")
    assert r.status_code == 303 and r.headers["location"] == f"/for-you#paper-{warm}"
    html = client.get("/for-you").text
    assert html.count('aria-pressed="true" title="Undo: stop asking for more like this"') == 1
    _feedback(client, warm, "clear")
    assert 'title="Undo: stop asking for more like this"' not in client.get("/for-you").text


def test_feedback_forms_need_a_member_a_known_paper_and_a_known_kind(
    client, session_factory, papers
):
    token = csrf_of(client.get("/login").text)
    r = client.post(
        f"/papers/{papers['hot_cv']}/feedback",
        data={"csrf_token": token, "kind": "more"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    assert _feedback(client, "2611.99999", "more").status_code == 404
    assert _feedback(client, papers["hot_cv"], "love").status_code == 400
    r = _feedback(client, papers["hot_cv"], "more", next_path="https://evil.example/")
    assert r.headers["location"].startswith("/#paper-")  # never another site
    no_csrf = client.post(f"/papers/{papers['hot_cv']}/feedback", data={"kind": "more"})
    assert no_csrf.status_code == 403


def test_hide_seen_leaves_out_the_papers_the_member_opened(client, session_factory, papers):
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    assert client.get(f"/papers/{papers['hot_cv']}").status_code == 200
    assert papers["hot_cv"] in listed(client.get("/for-you").text)
    _settings_form(client, hide_seen="1")
    assert papers["hot_cv"] not in listed(client.get("/for-you").text)


def test_saved_papers_are_not_shown_again(client, session_factory, papers):
    ada = make_account(session_factory, "ada")
    save_directly(session_factory, ada.id, papers["hot_cv"])
    signed_in(client, "ada")
    assert papers["hot_cv"] not in listed(client.get("/for-you").text)


def test_markup_in_titles_and_follow_labels_is_shown_as_text(
    client, session_factory, paper_factory
):
    from paperfeed.library.follows import follow_author

    posted = NOW - timedelta(hours=1)
    evil = paper_factory(
        title='<img src=x onerror="alert(1)"> Attention',
        authors=("<b>Mallory</b>",),
        feed_day=DAY,
        submitted_at=posted,
        published_at=posted,
    )
    ada = make_account(session_factory, "ada")
    with session_scope(session_factory) as session:
        follow_author(session, ada.id, "<b>Mallory</b>", now=NOW)
    signed_in(client, "ada")
    html = _feedback_page_after_not_interested(client, evil)
    assert "<img src=x" not in html and "<b>Mallory</b>" not in html
    assert "&lt;img src=x" in html


def _feedback_page_after_not_interested(client, arxiv_id: str) -> str:
    listed_page = client.get("/for-you").text
    assert arxiv_id in listed(listed_page)
    r = _feedback(client, arxiv_id, "not_interested")
    return listed_page + client.get(r.headers["location"]).text  # the cards and the notice


def test_for_you_writes_are_rate_limited(client, app, session_factory, papers):
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "3/hour"})
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    for kind in ("more", "clear", "more"):
        assert _feedback(client, papers["warm_cl"], kind).status_code == 303
    r = _feedback(client, papers["warm_cl"], "clear")
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert _settings_form(client).status_code == 303  # another bucket


def test_every_card_of_a_signed_in_reader_has_the_feedback_buttons(client, session_factory, papers):
    hot = papers["hot_cv"]
    assert "feedback-form" not in client.get("/").text  # anonymous: no buttons
    make_account(session_factory, "ada")
    signed_in(client, "ada")
    for path in ("/", "/papers/trending", "/for-you"):
        assert client.get(path).text.count('class="feedback-form"') == 3, path
    r = _feedback(client, hot, "not_interested", next_path="/papers/trending")
    assert r.status_code == 303 and r.headers["location"] == f"/papers/trending#paper-{hot}"
    pressed = 'value="clear" class="feedback-not" aria-pressed="true"'
    assert client.get("/papers/trending").text.count(pressed) == 1  # shown, and undoable
    assert hot not in listed(client.get("/for-you").text)  # gone from For you
    _feedback(client, hot, "clear", next_path="/papers/trending")
    assert pressed not in client.get("/papers/trending").text
    assert hot in listed(client.get("/for-you").text)
