"""What one comment can cost the site (issue 12, item 2): Markdown is rendered once, when a
comment is written or edited, and the HTML stored; views render nothing. One render's work
is bounded by the input's shape. Long discussions are shown 50 threads a page."""

from __future__ import annotations

import random
import re
import time

import pytest
from community_helpers import NOW, assert_inert, log_in, post_form
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from sqlalchemy import select

from paperfeed.service import comments
from paperfeed.service.markdown import MAX_BRACKET_DEPTH, links_are_cheap, render_markdown
from paperfeed.store.db import session_scope
from paperfeed.store.models import Comment

PAPER = "2611.00001"
N = comments.MAX_BODY
# The shapes that made markdown-it's link scans nest (up to 20 deep), each at the length cap.
HOSTILE = {
    "image brackets": "![" * (N // 2),
    "open brackets": "[" * N,
    "19 then punctuation": "[" * 19 + "!" * (N - 19),
    "19 then stars": "[" * 19 + "*" * (N - 19),
    "closed in code spans": ("[`]`" + "!" * 96) * (N // 100),
    "closed by escapes": ("[\\]" + "!" * 97) * (N // 100),
    "closed in autolinks": ("[<a]>" + "!" * 95) * (N // 100),
    "stairs": "[[]" * (N // 3),
    "carriage returns": "```\n\r```\r" + "[" * 19 + "!" * (N - 30),
    "fence in a list": "1. a\n   ```\n   x\n\n" + "[" * 19 + "!" * (N - 40),
}


@pytest.fixture
def paper(paper_factory):
    return paper_factory(arxiv_id=PAPER, feed_day=NOW.date())


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every Markdown source rendered while the test runs (a spy on the real parser)."""
    seen: list[str] = []
    real = MarkdownIt.render

    def spy(self, src, env=None):
        seen.append(src)
        return real(self, src, env)

    monkeypatch.setattr(MarkdownIt, "render", spy)
    return seen


@pytest.fixture
def label_scans(monkeypatch) -> list[int]:
    """How many tokens markdown-it's link label scans stepped over (the work that blew up)."""
    steps = [0]
    real = ParserInline.skipToken

    def counting(self, state):
        steps[0] += 1
        return real(self, state)

    monkeypatch.setattr(ParserInline, "skipToken", counting)
    return steps


def _stored(session_factory, comment_id: int) -> tuple[str, str]:
    with session_factory() as s:
        row = s.execute(select(Comment.body, Comment.body_html).where(Comment.id == comment_id))
        return tuple(row.one())


def test_markdown_is_rendered_on_write_and_edit_and_never_on_view(
    client, paper, make_user, make_token, session_factory, renders
):
    ada = make_user()
    headers = make_token(ada)
    r = client.post(
        f"/api/papers/{PAPER}/comments", json={"body": "Nice **result**."}, headers=headers
    )
    first = r.json()["id"]
    reply = client.post(
        f"/api/papers/{PAPER}/comments",
        json={"body": "Agreed.", "parentId": first},
        headers=headers,
    ).json()["id"]
    assert renders == ["Nice **result**.", "Agreed."]  # once each, when written
    assert _stored(session_factory, first) == (
        "Nice **result**.",
        render_markdown("Nice **result**."),
    )

    renders.clear()
    for _ in range(3):  # the page and the API, anonymous and with the author's token
        page = client.get(f"/papers/{PAPER}").text
        api = client.get(f"/api/papers/{PAPER}/comments").json()
        mine = client.get(f"/api/papers/{PAPER}/comments", headers=headers).json()
    assert renders == [], "a view rendered Markdown"
    assert "<strong>result</strong>" in page and "<p>Agreed.</p>" in page
    assert api["comments"][0]["html"] == "<p>Nice <strong>result</strong>.</p>\n"
    assert mine["count"] == 2

    r = client.patch(f"/api/comments/{first}", json={"body": "Nice *result*."}, headers=headers)
    assert r.status_code == 200 and renders == ["Nice *result*."]
    assert _stored(session_factory, first)[1] == "<p>Nice <em>result</em>.</p>\n"
    assert client.delete(f"/api/comments/{first}", headers=headers).status_code == 200
    assert _stored(session_factory, first) == ("", "")  # the words go with the comment
    renders.clear()
    (top,) = client.get(f"/api/papers/{PAPER}/comments").json()["comments"]
    assert top["deleted"] and top["html"] == "<p><em>[deleted]</em></p>"
    assert top["replies"][0]["id"] == reply and renders == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_comment_costs_a_bounded_render(name, label_scans):
    source = HOSTILE[name][:N]
    assert not links_are_cheap(source)
    started = time.perf_counter()
    html = render_markdown(source)
    elapsed = time.perf_counter() - started
    # Without the cap these took 18 to 37 label-scan steps per character (up to 370,000);
    # with it, none: the link rule is off for them and the brackets stay as typed.
    assert label_scans[0] <= (MAX_BRACKET_DEPTH + 1) * len(source)
    assert "[" in html and "<a " not in html
    assert_inert(html)
    assert elapsed < 1.0  # ~10-50 ms here; the bound is for a loaded 2-core machine


def test_shallow_brackets_still_link_and_stay_linear(label_scans):
    prose = (
        "See [the paper](https://arxiv.org/abs/2406.12345) and [[its code]](https://git.example/x),"
        " `x[0][1]` and\n\n```py\nnested = [[[1]], [[2]]]\n```\n\n[a [b](https://b.example)](v)"
    )
    html = render_markdown(prose)
    assert '<a href="https://arxiv.org/abs/2406.12345" rel="nofollow ugc noopener">' in html
    assert "nested = [[[1]], [[2]]]" in html  # code blocks do not count
    assert html.count("<a ") == 3
    rng = random.Random(12)  # shallow bracket soups of every shape
    for _ in range(40):
        pieces = rng.sample(["[", "]", "!", "*", "`", "\\", "<", ">", "a ", "\n", "(u)", "_"], 6)
        text = "".join(rng.choice(pieces) for _ in range(rng.choice([500, 3000, N])))
        label_scans[0] = 0
        render_markdown(text)
        assert label_scans[0] <= (MAX_BRACKET_DEPTH + 1) * len(text), text[:80]


def _bulk_comments(session_factory, account, bodies: list[str], parent: int | None = None):
    with session_scope(session_factory) as s:
        return [
            comments.add_comment(s, PAPER, account, body, now=NOW, parent_id=parent).id
            for body in bodies
        ]


def test_long_discussions_are_paginated_on_the_page_and_in_the_api(
    client, paper, make_user, session_factory
):
    ada = make_user()
    admin = make_user("curator", role="admin")
    ids = _bulk_comments(session_factory, ada, [f"thread {n}" for n in range(1, 121)])
    _bulk_comments(session_factory, ada, ["reply to 1", "another"], parent=ids[0])
    _bulk_comments(session_factory, ada, ["reply to 51"], parent=ids[50])
    with session_scope(session_factory) as s:  # hidden with no replies: not a thread readers see
        comments.set_hidden(s, ids[1], admin, True, now=NOW)

    page = client.get(f"/papers/{PAPER}").text
    assert "122 comments" in page  # the whole discussion's count, on every page
    shown = re.findall(r"<p>thread (\d+)</p>", page)
    assert shown == [str(n) for n in [1, *range(3, 52)]]  # 50 threads
    assert "<p>reply to 1</p>" in page and "<p>another</p>" in page
    assert "Page 1 of 3 (119 threads)" in page
    assert f'href="/papers/{PAPER}?comments_page=2#comments"' in page and 'rel="prev"' not in page

    second = client.get(f"/papers/{PAPER}?comments_page=2").text
    assert re.findall(r"<p>thread (\d+)</p>", second)[:2] == ["52", "53"]
    assert "<p>reply to 51</p>" not in second  # it went with its thread, on page 1
    assert f'href="/papers/{PAPER}#comments"' in second and "122 comments" in second
    third = client.get(f"/papers/{PAPER}?comments_page=3").text
    assert len(re.findall(r"<p>thread (\d+)</p>", third)) == 19 and 'rel="next"' not in third
    assert client.get(f"/papers/{PAPER}?comments_page=4").status_code == 404
    assert client.get(f"/papers/{PAPER}?comments_page=0").status_code == 400
    assert client.get(f"/papers/{PAPER}?comments_page=x").status_code == 400

    api = client.get(f"/api/papers/{PAPER}/comments").json()
    assert (api["count"], api["page"], api["pages"], api["threads"]) == (122, 1, 3, 119)
    assert len(api["comments"]) == 50 and len(api["comments"][0]["replies"]) == 2
    assert api["next"] == f"/api/papers/{PAPER}/comments?page=2"
    last = client.get(api["next"].replace("page=2", "page=3")).json()
    assert len(last["comments"]) == 19 and "next" not in last
    assert client.get(f"/api/papers/{PAPER}/comments?page=4").status_code == 404
    assert client.get(f"/api/papers/{PAPER}/comments?page=0").status_code == 400

    # Writing sends the author to the page that shows the comment.
    log_in(client)
    r = post_form(client, f"/papers/{PAPER}", f"/papers/{PAPER}/comments", {"body": "late"})
    new = int(r.headers["location"].rsplit("-", 1)[1])
    assert r.headers["location"] == f"/papers/{PAPER}?comments_page=3#comment-{new}"
    r = post_form(
        client,
        f"/papers/{PAPER}",
        f"/papers/{PAPER}/comments",
        {"body": "hi", "parent_id": str(ids[0])},
    )
    assert r.headers["location"].startswith(f"/papers/{PAPER}#comment-")
    log_in(client, "curator")  # an admin sees the hidden thread: one more on page 1
    assert "<p>thread 2</p>" in client.get(f"/papers/{PAPER}").text
