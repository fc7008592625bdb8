"""Follows on the pages, without JavaScript: the buttons where a reader meets an author, a
category or a search, the manage page, the Following page; and what must not leak."""

from __future__ import annotations

import re
from datetime import timedelta

from members import NOW, csrf_of, make_account, signed_in

BUTTON = re.compile(r'class="follow-button" aria-pressed="(true|false)" data-label="([^"]*)"')


def buttons(html: str) -> dict[str, str]:
    return {label: pressed for pressed, label in BUTTON.findall(html)}


def follow_from(client, page: str, label: str) -> str:
    """Send the follow form of ``label``'s button on ``page``; the page returned to."""
    html = client.get(page).text
    forms = re.findall(r'<form class="follow-form".*?</form>', html, re.S)
    form = next(f for f in forms if f'data-label="{label}"' in f)
    data = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    data = {k: v.replace("&amp;", "&").replace("&#34;", '"') for k, v in data.items()}
    r = client.post("/follows", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_anonymous_readers_get_log_in_links_and_no_form(client, paper_factory):
    paper = paper_factory(categories=("cs.CL",))
    html = client.get("/search", params={"q": "graphs", "author": "Ada Lovelace"}).text
    assert "Log in to follow Ada Lovelace" in html and "Log in to follow this search" in html
    assert 'class="follow-form"' not in html
    assert 'class="follow-form"' not in client.get(f"/papers/{paper}").text
    r = client.get("/following", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


def test_follow_an_author_a_category_and_a_search_from_the_search_page(
    client, session_factory, paper_factory
):
    paper_factory(title="Graph networks", authors=("Ada Lovelace",), categories=("cs.CL",))
    make_account(session_factory)
    signed_in(client)
    page = "/search?" + "q=graph+networks&author=Ada+Lovelace&category=cs.cl&mode=keyword"
    assert buttons(client.get(page).text) == {
        "Ada Lovelace": "false",
        "cs.CL": "false",
        "this search": "false",
    }
    for label in ("Ada Lovelace", "cs.CL", "this search"):
        assert follow_from(client, page, label) == page
    html = client.get(page).text
    assert buttons(html) == {"Ada Lovelace": "true", "cs.CL": "true", "this search": "true"}
    follows = client.get("/follows").text
    for text in ("Ada Lovelace", "cs.CL", "graph networks", "words only"):
        assert text in follows
    # The pressed button unfollows (its form says so), and going twice changes nothing.
    assert follow_from(client, page, "cs.CL") == page
    assert follow_from(client, page, "Ada Lovelace") == page
    assert buttons(client.get(page).text) == {
        "Ada Lovelace": "false",
        "cs.CL": "false",
        "this search": "true",
    }


def test_paper_page_follows_its_authors_and_categories(client, session_factory, paper_factory):
    paper = paper_factory(authors=("Grace Hopper", "Alan Turing"), categories=("cs.PL", "cs.LO"))
    make_account(session_factory)
    signed_in(client)
    html = client.get(f"/papers/{paper}").text
    assert buttons(html) == {
        "Grace Hopper": "false",
        "Alan Turing": "false",
        "cs.PL": "false",
        "cs.LO": "false",
    }
    assert follow_from(client, f"/papers/{paper}", "cs.LO") == f"/papers/{paper}"
    assert follow_from(client, f"/papers/{paper}", "Grace Hopper") == f"/papers/{paper}"
    after = buttons(client.get(f"/papers/{paper}").text)
    assert after["cs.LO"] == "true" and after["Grace Hopper"] == "true"
    assert after["cs.PL"] == "false" and after["Alan Turing"] == "false"


def test_following_page_says_which_follow_brought_each_card(client, session_factory, paper_factory):
    paper_factory(
        title="New from Grace",
        authors=("Grace Hopper",),
        categories=("cs.PL",),
        published_at=NOW - timedelta(hours=1),
    )
    paper_factory(
        title="Older logic", categories=("cs.LO", "cs.PL"), published_at=NOW - timedelta(days=2)
    )
    paper_factory(title="Not followed", categories=("cs.CV",))
    make_account(session_factory)
    signed_in(client)
    page = "/follows"
    token = csrf_of(client.get(page).text)
    for kind, value in (("author", "grace hopper"), ("category", "cs.PL")):
        r = client.post(
            "/follows",
            data={"csrf_token": token, "kind": kind, "value": value, "next": "/follows"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/follows?notice=followed"
    r = client.get("/following")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    html = r.text
    assert html.index("New from Grace") < html.index("Older logic")
    assert "Not followed" not in html
    because = re.findall(r'<p class="because">(.*?)</p>', html)
    assert because == [
        "Because you follow <strong>grace hopper</strong>, <strong>cs.PL</strong>",
        "Because you follow <strong>cs.PL</strong>",
    ]
    assert "2 papers" in html
    today = client.get("/following?days=1").text
    assert "New from Grace" in today and "Older logic" not in today
    assert client.get("/following?days=3").status_code == 400


def test_manage_page_unfollows_and_another_members_follow_is_not_found(
    client, session_factory, app
):
    make_account(session_factory)
    make_account(session_factory, "bob")
    signed_in(client, "bob")
    token = csrf_of(client.get("/follows").text)
    client.post("/follows", data={"csrf_token": token, "kind": "category", "value": "cs.AI"})
    bobs = re.search(r'action="/follows/(\d+)/delete"', client.get("/follows").text).group(1)
    client.post("/logout", data={"csrf_token": token})
    client.cookies.clear()
    signed_in(client)
    html = client.get("/follows").text
    assert "cs.AI" not in html and "You follow nothing yet." in html
    token = csrf_of(html)
    r = client.post(f"/follows/{bobs}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 404
    r = client.post(
        "/follows",
        data={"csrf_token": token, "action": "unfollow", "follow_id": bobs},
        follow_redirects=False,
    )
    assert r.status_code == 404
    assert "cs.AI" not in client.get("/following").text


def test_labels_are_shown_as_text_never_as_markup(client, session_factory):
    make_account(session_factory)
    signed_in(client)
    token = csrf_of(client.get("/follows").text)
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    for kind in ("author", "topic"):
        r = client.post(
            "/follows",
            data={"csrf_token": token, "kind": kind, "value": evil, "next": "/follows"},
            follow_redirects=False,
        )
        assert r.status_code == 303
    html = client.get("/follows").text
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    search = client.get("/search", params={"q": evil, "author": evil}).text
    assert "<img src=x" not in search


def test_follow_forms_need_a_csrf_token(client, session_factory):
    make_account(session_factory)
    signed_in(client)
    r = client.post("/follows", data={"kind": "category", "value": "cs.CL"}, follow_redirects=False)
    assert r.status_code == 403
    assert "You follow nothing yet." in client.get("/follows").text


def test_bad_follow_forms_are_error_pages(client, session_factory):
    make_account(session_factory)
    signed_in(client)
    token = csrf_of(client.get("/follows").text)
    for data in (
        {"kind": "category", "value": "no such thing!"},
        {"kind": "planet", "value": "Mars"},
        {"kind": "topic", "value": "x", "mode": "telepathy"},
        {"kind": "category", "value": "cs.CL", "action": "explode"},
    ):
        r = client.post("/follows", data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 400, data
    r = client.post("/follows", data={"csrf_token": token, "kind": "member", "value": "nobody"})
    assert r.status_code == 404


def test_member_page_has_a_follow_button(client, session_factory):
    make_account(session_factory)
    make_account(session_factory, "grace")
    signed_in(client)
    assert buttons(client.get("/users/grace").text) == {"@grace": "false"}
    assert follow_from(client, "/users/grace", "@grace") == "/users/grace"
    assert buttons(client.get("/users/grace").text) == {"@grace": "true"}
    assert "member&#39;s papers" in client.get("/follows").text or "member's papers" in (
        client.get("/follows").text
    )
