"""The library through the pages, without JavaScript, on both databases: the Save button on
cards and paper pages (a plain form, 303 back), the paper page's "Save to" panel, /library,
collection pages by share key (private: 404 for everyone but the owner; public: papers and
tags, never notes), the owner's forms, markup in names, notes and tags shown as text, CSRF
on every form and rate-limited writes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from library_helpers import NOW, csrf_of, items_of, log_in, make_account, run

from paperfeed.library import collections as lib
from paperfeed.library import items
from paperfeed.library.collection_edits import list_collections

DAY = date(2026, 11, 20)
SAVE = re.compile(r'<button type="submit" class="save-button" aria-pressed="(true|false)"')
MARKUP = '<img src=x onerror="alert(1)">'


def _form(client, page: str, action: str, data: dict, **kw):
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def _share_key(session_factory, user_id: int, collection_id: int) -> str:
    with session_factory() as session:
        return lib.owned_collection(session, user_id, collection_id).share_key


def test_cards_save_with_a_plain_form_and_show_the_state(client, session_factory, paper_factory):
    paper = paper_factory(feed_day=DAY)
    ada = make_account(session_factory, "ada")
    anonymous = client.get("/").text
    assert f'class="save-button" href="/login?next=%2F%23paper-{paper}"' in anonymous
    log_in(client, "ada")
    feed = client.get("/").text
    assert SAVE.findall(feed) == ["false"]
    assert f'href="/papers/{paper}#save"' in feed  # choosing a collection: the paper's panel
    r = _form(client, "/", f"/papers/{paper}/save", {"action": "save", "next": f"/#paper-{paper}"})
    assert r.status_code == 303 and r.headers["location"] == f"/#paper-{paper}"
    assert items_of(session_factory, ada.id) == [("Saved", paper)]
    for page in ("/", f"/papers/{paper}", "/papers/trending", f"/search?q={paper}"):
        assert "true" in SAVE.findall(client.get(page).text), page
    again = _form(client, "/", f"/papers/{paper}/save", {"action": "save"})
    assert again.status_code == 303 and items_of(session_factory, ada.id) == [("Saved", paper)]
    away = {"action": "unsave", "next": "https://evil.example/"}
    assert _form(client, "/", f"/papers/{paper}/save", away).headers["location"] == "/"
    assert items_of(session_factory, ada.id) == [] and SAVE.findall(client.get("/").text) == [
        "false"
    ]


def test_anonymous_save_form_goes_to_log_in(client, paper_factory):
    paper = paper_factory(feed_day=DAY)
    r = _form(client, "/login", f"/papers/{paper}/save", {"action": "save", "next": "/"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_paper_page_panel_saves_into_a_chosen_collection(client, session_factory, paper_factory):
    paper = paper_factory()
    ada = make_account(session_factory, "ada")
    log_in(client, "ada")
    _form(client, "/library", "/library/collections", {"name": "Reading"})
    with session_factory() as session:
        reading = [c for c in list_collections(session, ada.id) if c.name == "Reading"][0]
    page = client.get(f"/papers/{paper}").text
    assert 'id="save"' in page and "Reading" in page
    r = _form(client, f"/papers/{paper}", f"/papers/{paper}/save",
              {"action": "save", "collection_id": str(reading.id), "next": f"/papers/{paper}#save"})  # fmt: skip
    assert r.headers["location"] == f"/papers/{paper}#save"
    assert items_of(session_factory, ada.id) == [("Reading", paper)]
    bad = _form(client, f"/papers/{paper}", f"/papers/{paper}/save",
                {"action": "save", "collection_id": "x1"})  # fmt: skip
    assert bad.status_code == 400


def test_library_page_shows_markup_as_text(client, session_factory, paper_factory):
    paper = paper_factory()
    ada = make_account(session_factory, "ada")
    log_in(client, "ada")
    r = _form(client, "/library", "/library/collections", {"name": MARKUP, "description": MARKUP})
    assert r.status_code == 303
    page = r.headers["location"]
    with session_factory() as session:
        cid = [c for c in list_collections(session, ada.id) if not c.is_default][0].id
    run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW, collection_id=cid))
    r = _form(
        client,
        page,
        f"/library/collections/{cid}/items/{paper}",
        {"note": MARKUP, "tags": f"{MARKUP}, ok"},
    )
    assert r.status_code == 303
    for path in ("/library", page, "/library?tag=ok"):
        html = client.get(path).text
        assert MARKUP not in html, path
        assert "&lt;img src=x" in html, path
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in client.get(page).text


def test_private_collection_page_is_404_for_others_and_public_hides_notes(
    client, session_factory, paper_factory
):
    paper = paper_factory()
    ada, _bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    state = run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    run(
        session_factory,
        lambda s: items.annotate(
            s,
            ada.id,
            state.collection_id,
            paper,
            note="my secret note",
            tags="shared-tag",
            now=NOW,
        ),
    )
    key = _share_key(session_factory, ada.id, state.collection_id)
    assert client.get(f"/collections/{key}").status_code == 404
    log_in(client, "bob")
    r = client.get(f"/collections/{key}")
    assert r.status_code == 404 and "my secret note" not in r.text
    assert client.get("/collections/no-such-key").status_code == 404
    client.cookies.clear()
    log_in(client, "ada")
    mine = client.get(f"/collections/{key}").text
    assert "my secret note" in mine and "Rename, describe, share" in mine
    _form(client, f"/collections/{key}", f"/library/collections/{state.collection_id}/edit",
          {"name": "Saved", "public": "1"})  # fmt: skip
    client.cookies.clear()
    public = client.get(f"/collections/{key}")
    assert public.status_code == 200 and paper in public.text and "shared-tag" in public.text
    assert "my secret note" not in public.text and "Rename, describe" not in public.text
    assert "A collection by ada" in public.text


def test_owner_forms_move_remove_and_delete(client, session_factory, paper_factory):
    paper = paper_factory()
    ada = make_account(session_factory, "ada")
    log_in(client, "ada")
    state = run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    saved = state.collection_id
    to = _form(client, "/library", "/library/collections", {"name": "Later"}).headers["location"]
    with session_factory() as session:
        later = [c for c in list_collections(session, ada.id) if c.name == "Later"][0].id
    page = f"/collections/{_share_key(session_factory, ada.id, saved)}"
    r = _form(
        client,
        page,
        f"/library/collections/{saved}/items/{paper}/move",
        {"to": str(later), "keep": "1"},
    )
    assert r.status_code == 303 and items_of(session_factory, ada.id) == [
        ("Later", paper),
        ("Saved", paper),
    ]
    _form(client, page, f"/library/collections/{saved}/items/{paper}/remove", {})
    assert items_of(session_factory, ada.id) == [("Later", paper)]
    assert _form(client, to, f"/library/collections/{later}/delete", {}).status_code == 400
    r = _form(client, to, f"/library/collections/{later}/delete", {"confirm": "1"})
    assert (r.status_code, r.headers["location"]) == (303, "/library")
    assert items_of(session_factory, ada.id) == []


def test_forms_on_another_members_collection_are_404(client, session_factory, paper_factory):
    paper = paper_factory()
    ada, _bob = make_account(session_factory, "ada"), make_account(session_factory, "bob")
    state = run(session_factory, lambda s: lib.save_paper(s, ada.id, paper, now=NOW))
    cid = state.collection_id
    log_in(client, "bob")
    for action, data in [
        (f"/library/collections/{cid}/edit", {"name": "pwned"}),
        (f"/library/collections/{cid}/delete", {"confirm": "1"}),
        (f"/library/collections/{cid}/items/{paper}", {"note": "x"}),
        (f"/library/collections/{cid}/items/{paper}/remove", {}),
        (f"/papers/{paper}/save", {"action": "save", "collection_id": str(cid)}),
    ]:
        assert _form(client, "/library", action, data).status_code == 404, action
    assert items_of(session_factory, ada.id) == [("Saved", paper)]


def test_forms_without_the_csrf_token_are_refused(client, session_factory, paper_factory):
    paper = paper_factory()
    make_account(session_factory, "ada")
    log_in(client, "ada")
    for action, data in [
        ("/library/collections", {"name": "x"}),
        (f"/papers/{paper}/save", {"action": "save"}),
    ]:
        assert client.post(action, data=data, follow_redirects=False).status_code == 403


def test_library_page_needs_a_member(client):
    r = client.get("/library", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


class TestRateLimits:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"rate_limit_writes": "2/minute"})

    def test_save_forms_are_rate_limited(self, client, session_factory, paper_factory):
        paper = paper_factory(feed_day=DAY)
        make_account(session_factory, "ada")
        log_in(client, "ada")
        codes = [
            _form(client, "/", f"/papers/{paper}/save", {"action": "save"}).status_code
            for _ in range(3)
        ]
        assert codes == [303, 303, 429]
