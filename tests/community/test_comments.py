"""Comments: threads, Markdown made safe, own edits and deletes, moderation, counts, the
JSON API, bad input and attacks."""

from __future__ import annotations

import re

import pytest
from community_helpers import NOW, api_headers, assert_inert, csrf_of, log_in, post_form
from sqlalchemy import func, select

from paperfeed.accounts import users
from paperfeed.service import comments
from paperfeed.store.db import session_scope
from paperfeed.store.models import Comment

PAPER = "2611.00001"


@pytest.fixture
def paper(paper_factory):
    return paper_factory(arxiv_id=PAPER, feed_day=NOW.date())


def _comment(client, body: str, parent: int | None = None, paper: str = PAPER):
    data = {"body": body, **({"parent_id": str(parent)} if parent else {})}
    return post_form(client, f"/papers/{PAPER}", f"/papers/{paper}/comments", data)


def _id(response) -> int:
    return int(re.search(r"#comment-(\d+)$", response.headers["location"]).group(1))


def _rows(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Comment))


def _thread(client) -> dict:
    return client.get(f"/api/papers/{PAPER}/comments").json()


def test_comment_reply_and_counts_on_page_card_and_api(client, paper, make_user):
    make_user()
    log_in(client)
    r = _comment(client, "Nice **result**, see [the code](https://example.org/x).")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/papers/{PAPER}#comment-")
    reply = _comment(client, "Agreed.", parent=_id(r))
    assert reply.status_code == 303
    page = client.get(f"/papers/{PAPER}").text
    assert "<strong>result</strong>" in page
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">the code</a>' in page
    assert "2 comments" in page
    assert "2 comments" in client.get("/").text  # the feed card
    item = client.get("/api/daily_papers", params={"date": "2026-11-20"}).json()[0]
    assert item["numComments"] == 2
    thread = _thread(client)
    assert thread["count"] == 2
    (top,) = thread["comments"]
    assert top["author"]["name"] == "ada" and top["replies"][0]["body"] == "Agreed."
    assert top["replies"][0]["parentId"] == top["id"]


def test_replies_nest_to_the_max_depth_then_join_the_deepest_level(
    client, paper, make_user, session_factory
):
    make_user()
    log_in(client)
    parent = None
    for n in range(comments.MAX_DEPTH + 3):
        parent = _id(_comment(client, f"level {n}", parent=parent))
    with session_factory() as s:
        depths = s.scalars(select(Comment.depth).order_by(Comment.id)).all()
    assert max(depths) == comments.MAX_DEPTH
    assert depths[-3:] == [comments.MAX_DEPTH] * 3
    assert _thread(client)["count"] == comments.MAX_DEPTH + 3  # every reply kept


def test_edit_and_delete_your_own_not_anothers(client, app, paper, make_user, make_token):
    from fastapi.testclient import TestClient

    make_user()
    eve = make_user("eve")
    log_in(client)
    first = _id(_comment(client, "first"))
    r = post_form(client, f"/papers/{PAPER}", f"/comments/{first}/edit", {"body": "first, edited"})
    assert r.status_code == 303
    assert _thread(client)["comments"][0]["editedAt"] == "2026-11-20T12:00:00.000Z"
    with TestClient(app) as other:
        log_in(other, "eve")
        r = post_form(other, f"/papers/{PAPER}", f"/comments/{first}/edit", {"body": "pwned"})
        assert r.status_code == 403 and "only your own" in r.text
        r = post_form(other, f"/papers/{PAPER}", f"/comments/{first}/delete", {})
        assert r.status_code == 403
    headers = make_token(eve)
    assert (
        client.patch(f"/api/comments/{first}", json={"body": "x"}, headers=headers).status_code
        == 403
    )
    assert client.delete(f"/api/comments/{first}", headers=headers).status_code == 403
    assert _thread(client)["comments"][0]["body"] == "first, edited"
    # Edit and delete buttons only on one's own comments.
    assert f'action="/comments/{first}/edit"' in client.get(f"/papers/{PAPER}").text
    with TestClient(app) as other:
        log_in(other, "eve")
        assert f'action="/comments/{first}/edit"' not in other.get(f"/papers/{PAPER}").text


def test_delete_keeps_the_thread_with_a_placeholder_and_removes_leaves(
    client, app, paper, make_user, session_factory
):
    from fastapi.testclient import TestClient

    make_user()
    make_user("bob")
    log_in(client)
    top = _id(_comment(client, "top secret words"))
    lonely = _id(_comment(client, "lonely"))
    with TestClient(app) as bob:
        log_in(bob, "bob")
        post_form(
            bob,
            f"/papers/{PAPER}",
            f"/papers/{PAPER}/comments",
            {"body": "reply", "parent_id": str(top)},
        )
    for cid in (top, lonely):
        r = post_form(client, f"/papers/{PAPER}", f"/comments/{cid}/delete", {})
        assert r.status_code == 303
    assert _rows(session_factory) == 2  # the lonely one is gone; top stays as a placeholder
    (shown,) = _thread(client)["comments"]
    assert shown["deleted"] is True and shown["body"] == "" and "author" not in shown
    assert shown["replies"][0]["body"] == "reply"
    page = client.get(f"/papers/{PAPER}").text
    assert "[deleted]" in page and "top secret words" not in page and "1 comment" in page
    # Deleting the last reply removes the placeholder too.
    with TestClient(app) as bob:
        log_in(bob, "bob")
        r = bob.delete(f"/api/comments/{shown['replies'][0]['id']}", headers=api_headers(bob))
        assert r.status_code == 200
    thread = _thread(client)
    assert _rows(session_factory) == 0 and thread["count"] == 0 and thread["comments"] == []


def test_admins_hide_comments_readers_do_not_see_or_count_them(
    client, paper, make_user, session_factory
):
    ada = make_user()
    admin = make_user("curator", role="admin")
    log_in(client)
    cid = _id(_comment(client, "spam spam"))
    with session_scope(session_factory) as session, pytest.raises(comments.Forbidden):
        comments.set_hidden(session, cid, ada, True, now=NOW)
    with session_scope(session_factory) as session:
        comments.set_hidden(session, cid, admin, True, now=NOW)
    assert "spam spam" not in client.get(f"/papers/{PAPER}").text
    assert _thread(client)["count"] == 0
    assert client.get(f"/api/papers/{PAPER}").status_code == 200
    item = client.get("/api/daily_papers", params={"date": "2026-11-20"}).json()[0]
    assert item["numComments"] == 0
    log_in(client, "curator")
    assert "spam spam" in client.get(f"/papers/{PAPER}").text  # admins still see it, marked
    with session_scope(session_factory) as session:
        comments.set_hidden(session, cid, admin, False, now=NOW)
    assert (
        client.get("/api/daily_papers", params={"date": "2026-11-20"}).json()[0]["numComments"] == 1
    )


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    '<a href="javascript:alert(1)" onclick="alert(1)">x</a>',
    "![img](x onerror=alert(1))",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    "[x]: javascript:alert(1)\n\n[x]",
    "<details open ontoggle=alert(1)>",
    "`<script>` and ```\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("payload", XSS)
def test_stored_xss_through_comments_is_inert(client, paper, make_user, payload):
    make_user()
    log_in(client)
    assert _comment(client, payload).status_code == 303
    (comment,) = _thread(client)["comments"]
    assert comment["body"] == payload.strip()  # the source is kept as typed
    assert_inert(comment["html"])
    page = client.get(f"/papers/{PAPER}").text
    body = page.split('<div class="comment-body">', 1)[1].split("</div>", 1)[0]
    assert_inert(body)
    assert "<script>alert" not in page and "<img" not in page and "<iframe" not in page


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "empty"), ("   \n ", "empty"), ("x" * (comments.MAX_BODY + 1), "the limit is"),
     ("nul\x00byte", "control characters"), ("bell\x07", "control characters")],
)  # fmt: skip
def test_bad_comment_text_is_a_form_error_and_writes_nothing(
    client, paper, make_user, session_factory, body, message
):
    make_user()
    log_in(client)
    r = _comment(client, body)
    assert r.status_code == 400 and 'class="form-error"' in r.text and message in r.text
    assert _rows(session_factory) == 0


def test_invalid_utf8_wrong_ids_and_shapes_are_4xx(
    client, paper, paper_factory, make_user, session_factory, make_token
):
    headers = make_token(make_user())
    log_in(client)
    token = csrf_of(client.get(f"/papers/{PAPER}").text)
    r = client.post(
        f"/papers/{PAPER}/comments",
        content=b"body=%FF%FEhello&csrf_token=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400 and "not valid UTF-8" in r.text
    r = client.post(
        f"/api/papers/{PAPER}/comments",
        content=b'{"body": "\xff\xfe"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    r = client.post(
        f"/api/papers/{PAPER}/comments",
        content=b'{"body": "lone \\ud800 surrogate"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert _comment(client, "hi", paper="2611.99999").status_code == 404  # no such paper
    assert _comment(client, "hi", paper="not-an-id").status_code == 400
    assert _comment(client, "hi", parent=999999).status_code == 404
    other = paper_factory(arxiv_id="2611.00002")
    elsewhere = client.post(f"/api/papers/{other}/comments", json={"body": "x"}, headers=headers)
    r = client.post(
        f"/api/papers/{PAPER}/comments",
        json={"body": "x", "parentId": elsewhere.json()["id"]},
        headers=headers,
    )
    assert r.status_code == 404  # a parent on another paper
    for bad in ({}, {"body": 5}, {"body": "x", "parentId": "abc"}, [], {"body": "x" * 30_000}):
        r = client.post(f"/api/papers/{PAPER}/comments", json=bad, headers=headers)
        assert r.status_code == 400 and r.json()["ok"] is False, bad
    assert client.patch("/api/comments/abc", json={"body": "x"}, headers=headers).status_code == 400
    assert client.delete("/api/comments/424242", headers=headers).status_code == 404
    token = csrf_of(client.get(f"/papers/{PAPER}").text)
    assert client.post("/comments/abc/delete", data={"csrf_token": token}).status_code == 400
    assert _rows(session_factory) == 1  # only the valid comment elsewhere


def test_csrf_and_authentication_on_comment_writes(client, paper, make_user, session_factory):
    r = client.post(f"/api/papers/{PAPER}/comments", json={"body": "anon"})
    assert r.status_code == 401
    assert "Log in</a> to comment" in client.get(f"/papers/{PAPER}").text
    make_user()
    log_in(client)
    r = client.post(f"/papers/{PAPER}/comments", data={"body": "x"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(f"/api/papers/{PAPER}/comments", json={"body": "x"})
    assert r.status_code == 403 and r.json()["status"] == 403
    r = client.post(
        f"/api/papers/{PAPER}/comments", json={"body": "x"}, headers=api_headers(client)
    )
    assert r.status_code == 201
    assert _rows(session_factory) == 1


def test_comment_floods_are_rate_limited(client, app, paper, make_user, make_token):
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "3/minute"})
    headers = make_token(make_user())
    codes = [
        client.post(f"/api/papers/{PAPER}/comments", json={"body": f"{n}"}, headers=headers)
        for n in range(4)
    ]
    assert [r.status_code for r in codes] == [201, 201, 201, 429]
    assert int(codes[-1].headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "attack",
    ["'; DROP TABLE comments; --", "1 OR 1=1", '" UNION SELECT password_hash FROM users --'],
)
def test_sql_injection_strings_are_stored_as_text(
    client, paper, make_user, session_factory, make_token, attack
):
    headers = make_token(make_user())
    r = client.post(f"/api/papers/{PAPER}/comments", json={"body": attack}, headers=headers)
    assert r.status_code == 201 and r.json()["body"] == attack
    assert client.get(f"/api/papers/{attack}/comments").status_code in (400, 404)
    assert client.delete(f"/api/comments/{attack}", headers=headers).status_code in (400, 404, 405)
    assert _rows(session_factory) == 1


def test_deleting_an_account_keeps_others_replies_under_a_placeholder(
    client, app, paper, make_user, session_factory
):
    from fastapi.testclient import TestClient

    ada = make_user()
    make_user("bob")
    log_in(client)
    asked = _id(_comment(client, "ada's question"))
    _id(_comment(client, "ada's aside"))
    with TestClient(app) as bob:
        log_in(bob, "bob")
        post_form(
            bob,
            f"/papers/{PAPER}",
            f"/papers/{PAPER}/comments",
            {"body": "bob answers", "parent_id": str(asked)},
        )
    with session_scope(session_factory) as session:
        users.delete_users(session, [ada.id])
    with session_factory() as s:
        rows = s.execute(select(Comment.body, Comment.user_id, Comment.deleted_at)).all()
    assert len(rows) == 2 and all(r.user_id != ada.id for r in rows)
    assert "ada's" not in " ".join(r.body for r in rows)  # her words went with her account
    thread = _thread(client)
    assert thread["count"] == 1
    (top,) = thread["comments"]
    assert top["deleted"] and top["replies"][0]["body"] == "bob answers"
    assert (
        client.get("/api/daily_papers", params={"date": "2026-11-20"}).json()[0]["numComments"] == 1
    )
