"""Authors: claim a paper as one of its author names, an admin decides, the member's page and
the links from author names; bad input and attacks."""

from __future__ import annotations

import re

import pytest
from moderation_helpers import NOW, log_in, post
from sqlalchemy import func, select

from paperfeed.errors import Conflict, InvalidInput, NotFound
from paperfeed.service import authors
from paperfeed.store.db import session_scope
from paperfeed.store.models import AdminAction, AuthorClaim


def _claims(session_factory, **where) -> list[tuple[str, str]]:
    with session_factory() as s:
        query = select(AuthorClaim.author_name, AuthorClaim.status).order_by(AuthorClaim.id)
        return [tuple(r) for r in s.execute(query)]


def _claim(client, paper: str, author: str):
    return post(client, f"/papers/{paper}/claim", {"author": author})


def _decide(client, claim_id: int, decision: str, reason: str = ""):
    return post(
        client,
        "/admin/claims/decide",
        {"claim_id": str(claim_id), "decision": decision, "reason": reason},
    )


def _pending_id(client) -> int:
    return int(
        re.search(r'name="claim_id" value="(\d+)"', client.get("/admin/claims").text).group(1)
    )


def test_claim_approve_then_links_and_author_page(client, make_user, papers, session_factory):
    first, second = papers
    make_user("ada")
    make_user("chief", role="admin")
    log_in(client, "ada")
    page = client.get(f"/papers/{first}").text
    assert 'action="/papers/2611.00001/claim"' in page and '<option value="Grace Hopper">' in page
    r = _claim(client, first, "  ada   LOVELACE ")  # matched case-folded, spaces collapsed
    assert r.status_code == 303 and r.headers["location"] == f"/papers/{first}?notice=claimed"
    assert "waits for an admin" in client.get(r.headers["location"]).text
    assert _claims(session_factory) == [("Ada Lovelace", "pending")]
    assert "/users/ada" not in client.get(f"/papers/{first}").text  # not before approval

    log_in(client, "chief")
    claims_page = client.get("/admin/claims").text
    assert "Ada Lovelace" in claims_page and "Sparse attention at scale" in claims_page
    r = _decide(client, _pending_id(client), "approve", "checked the homepage")
    assert r.status_code == 303
    assert _claims(session_factory) == [("Ada Lovelace", "approved")]
    assert "No claims waiting" in client.get("/admin/claims").text
    log = client.get("/admin/log").text
    assert "approve claim" in log and "ada as Ada Lovelace of 2611.00001" in log
    assert "checked the homepage" in log

    client.cookies.clear()
    paper_page = client.get(f"/papers/{first}").text
    assert 'href="/search?q=Ada+Lovelace&amp;author=Ada+Lovelace">Ada Lovelace</a>' in paper_page
    assert 'href="/users/ada"' in paper_page
    card_link = 'href="/search?q=Grace+Hopper&amp;author=Grace+Hopper">Grace Hopper</a>'
    assert card_link in client.get("/").text  # names on feed cards link to the author search
    user_page = client.get("/users/ADA")
    assert user_page.status_code == 200
    assert (
        "Sparse attention at scale" in user_page.text and "Quiet second paper" not in user_page.text
    )
    search = client.get("/search", params={"q": "Ada Lovelace", "author": "Ada Lovelace"})
    assert search.status_code == 200 and "Sparse attention at scale" in search.text


def test_reject_keeps_the_page_plain_and_one_claim_per_member_and_paper(
    client, make_user, papers, session_factory
):
    first, _ = papers
    make_user("ada")
    make_user("chief", role="admin")
    log_in(client, "ada")
    assert _claim(client, first, "Ada Lovelace").status_code == 303
    again = _claim(client, first, "Grace Hopper")
    assert again.status_code == 409 and "already claimed this paper" in again.text
    log_in(client, "chief")
    assert _decide(client, _pending_id(client), "reject").status_code == 303
    assert _claims(session_factory) == [("Ada Lovelace", "rejected")]
    log_in(client, "ada")
    assert _claim(client, first, "Ada Lovelace").status_code == 409  # no retry after a no
    assert "/users/ada" not in client.get(f"/papers/{first}").text
    assert "No papers claimed yet" in client.get("/users/ada").text


def test_an_author_name_has_one_approved_member(client, make_user, papers, session_factory):
    first, _ = papers
    for name in ("ada", "impostor"):
        make_user(name)
    admin = make_user("chief", role="admin")
    for name in ("ada", "impostor"):
        log_in(client, name)
        assert _claim(client, first, "Ada Lovelace").status_code == 303
    with session_factory() as s:
        ids = s.scalars(select(AuthorClaim.id).order_by(AuthorClaim.id)).all()
    log_in(client, "chief")
    assert _decide(client, ids[0], "approve").status_code == 303
    r = _decide(client, ids[1], "approve")
    assert r.status_code == 409 and "already claimed by another member" in r.text
    assert _claims(session_factory) == [("Ada Lovelace", "approved"), ("Ada Lovelace", "pending")]
    assert _decide(client, ids[0], "reject").status_code == 409  # decided claims stay decided
    # a new claim of the approved name is refused up front
    make_user("third")
    log_in(client, "third")
    assert _claim(client, first, "Ada Lovelace").status_code == 409
    # the service says the same, and the database would too (partial unique index)
    with session_scope(session_factory) as s, pytest.raises(Conflict):
        authors.decide_claim(s, admin, ids[1], True, now=NOW)


@pytest.mark.parametrize(
    "author, status",
    [
        ("Alan Turing", 400),  # an author of another paper
        ("", 400),
        ("   ", 400),
        ("Ada", 400),  # part of a name is not the name
        ("x" * 2000, 400),  # overlong: refused by the form
        ("'; DROP TABLE author_claims; --", 400),
        ("Ada Lovelace\x00", 400),
    ],
)
def test_claims_for_names_not_on_the_paper_are_refused(
    client, make_user, papers, session_factory, author, status
):
    make_user("ada")
    log_in(client)
    r = _claim(client, papers[0], author)
    assert r.status_code == status
    assert _claims(session_factory) == []


@pytest.mark.parametrize(
    "paper, status",
    [("2611.99999", 404), ("not-an-id", 400), ("2611.00001' OR '1'='1", 400)],
)
def test_claims_on_unknown_hidden_or_malformed_papers(
    client, make_user, papers, session_factory, paper, status
):
    make_user("ada")
    log_in(client)
    assert _claim(client, paper, "Ada Lovelace").status_code == status
    assert _claims(session_factory) == []


def test_unknown_and_malformed_claim_ids_and_decisions(client, make_user, papers, session_factory):
    make_user("chief", role="admin")
    log_in(client, "chief")
    for claim_id in ("999999", "0", "-1", "abc", "1 OR 1=1", "9" * 40):
        r = _decide(client, claim_id, "approve")
        assert r.status_code == 404, claim_id
    assert _decide(client, "1", "maybe").status_code == 400
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AdminAction)) == 0


def test_unknown_user_page_is_404(client, make_user):
    for name in ("nobody", "x" * 300, "<script>", "' OR 1=1 --"):
        assert client.get(f"/users/{name}").status_code == 404


def test_anonymous_claim_goes_to_log_in(client, papers, session_factory):
    r = post(client, f"/papers/{papers[0]}/claim", {"author": "Ada Lovelace"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _claims(session_factory) == []


def test_markup_in_author_names_is_inert(client, make_user, paper_factory, session_factory):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    paper = paper_factory(arxiv_id="2611.00009", authors=(evil, "Plain Name"), feed_day=NOW.date())
    make_user("ada")
    make_user("chief", role="admin")
    log_in(client, "ada")
    assert _claim(client, paper, evil).status_code == 303
    log_in(client, "chief")
    claims_page = client.get("/admin/claims").text
    assert "<script>alert" not in claims_page and "&lt;script&gt;" in claims_page
    assert _decide(client, _pending_id(client), "approve").status_code == 303
    for url in (f"/papers/{paper}", "/users/ada", "/admin/log"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_claims_are_rate_limited(client, app, make_user, paper_factory, session_factory):
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "2/minute"})
    make_user("ada")
    log_in(client)
    ids = [paper_factory(authors=("Ada Lovelace",), feed_day=NOW.date()) for _ in range(3)]
    codes = [_claim(client, i, "Ada Lovelace").status_code for i in ids]
    assert codes[:2] == [303, 303] and codes[2] == 429
    assert len(_claims(session_factory)) == 2


def test_service_refuses_members_deciding_and_names_off_the_paper(
    session_factory, make_user, papers
):
    member = make_user("ada")
    with session_scope(session_factory) as s:
        with pytest.raises(InvalidInput):
            authors.claim_authorship(s, member, papers[0], "Alan Turing", now=NOW)
        claim = authors.claim_authorship(s, member, papers[0], "Ada Lovelace", now=NOW)
    with session_scope(session_factory) as s:
        from paperfeed.errors import Forbidden

        with pytest.raises(Forbidden):
            authors.decide_claim(s, member, claim.id, True, now=NOW)
        with pytest.raises(NotFound):
            authors.author_page(s, "nobody")


def test_deleting_the_account_removes_its_claims(session_factory, make_user, papers):
    from paperfeed.accounts import users

    member = make_user("ada")
    with session_scope(session_factory) as s:
        authors.claim_authorship(s, member, papers[0], "Ada Lovelace", now=NOW)
    with session_scope(session_factory) as s:
        users.delete_users(s, [member.id])
    assert _claims(session_factory) == []
