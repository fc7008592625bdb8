"""The paper page's per-request machinery stays small (issue 16 item 3): the dependencies
FastAPI solves for it, and the comment thread rendered by one recursive macro (an include
per comment built a new template context each time), replies and a member's own edit form
at every depth."""

from __future__ import annotations

import re

import pytest

from members import app_routes, post_form, signed_in
from paperfeed.http.deps import get_settings, get_vectors

PAPER = "2406.12345"


def _solved(dependant) -> list:
    """Every dependency callable FastAPI runs for ``dependant``, depth first."""
    calls = []
    for sub in dependant.dependencies:
        calls += _solved(sub)
        calls.append(sub.call)
    return calls


def test_the_paper_route_solves_few_dependencies(app):
    (route,) = [r for r in app_routes(app) if r.path == "/papers/{arxiv_id:arxiv_id}"]
    calls = _solved(route.dependant)
    # record_paper_seen and its clock, the read session, the clock (the app's own two,
    # load_auth and verify_csrf, are not the route's); main had 7 before issue 16's 4th pass
    assert len(calls) <= 4, [getattr(c, "__name__", c) for c in calls]
    assert get_settings not in calls and get_vectors not in calls  # read off app.state


@pytest.fixture
def paper(paper_factory):
    return paper_factory(arxiv_id=PAPER)


def test_nested_replies_render_with_the_members_own_forms(client, paper, make_user):
    make_user()
    signed_in(client)
    page = f"/papers/{PAPER}"
    parent = None
    ids = []
    for n in range(3):  # a thread three deep: each a reply to the one before
        data = {"body": f"level {n}"} | ({"parent_id": str(parent)} if parent else {})
        r = post_form(client, page, f"{page}/comments", data)
        assert r.status_code == 303
        parent = int(re.search(r"#comment-(\d+)", r.headers["location"]).group(1))
        ids.append(parent)
    html = client.get(page).text
    for n, cid in enumerate(ids):
        assert f'id="comment-{cid}"' in html and f"<p>level {n}</p>" in html
        assert f'action="/comments/{cid}/edit"' in html  # the member's own, at every depth
        assert f'name="parent_id" value="{cid}"' in html  # a reply form under each
    assert html.count('class="comment-replies"') == 2
    anonymous = client.__class__(client.app)
    with anonymous:
        seen = anonymous.get(page).text
    assert f'id="comment-{ids[2]}"' in seen and "/edit" not in seen
