"""Submit a paper: by arXiv id or URL through the local fake arXiv API, HF's rules, the
JSON API, and everything that must not half-write."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from community_helpers import EMPTY_FEED, NOW, api_headers, atom_entry, log_in, post_form
from fake_server import Reply
from sqlalchemy import func, select

from paperfeed.accounts import users
from paperfeed.store.db import session_scope
from paperfeed.store.models import DailyEntry, Paper

TODAY = NOW.date()


def _count(session_factory, model) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def _entry(session_factory, arxiv_id: str) -> DailyEntry | None:
    with session_factory() as s:
        return s.scalar(select(DailyEntry).join(Paper).where(Paper.arxiv_id == arxiv_id))


def _submit(client, text: str):
    return post_form(client, "/submit", "/submit", {"arxiv": text})


def test_submit_page_needs_a_signed_in_user_and_is_linked_for_them(client, make_user):
    r = client.get("/submit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fsubmit")
    assert 'href="/submit"' not in client.get("/").text
    make_user()
    log_in(client)
    assert 'href="/submit"' in client.get("/").text
    assert 'name="arxiv"' in client.get("/submit").text


@pytest.mark.parametrize(
    "typed",
    ["2611.54321", "2611.54321v2", "arXiv:2611.54321", "https://arxiv.org/abs/2611.54321v1",
     "https://arxiv.org/pdf/2611.54321.pdf", "https://huggingface.co/papers/2611.54321"],
)  # fmt: skip
def test_submit_by_id_or_url_fetches_arxiv_and_lands_on_today(
    client, arxiv, make_user, session_factory, typed
):
    arxiv.script("/api/query", atom_entry("2611.54321", title="Fresh results"))
    ada = make_user()
    log_in(client)
    r = _submit(client, typed)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/papers/2611.54321?notice=submitted"
    assert [q.params["id_list"].split("v")[0] for q in arxiv.requests] == ["2611.54321"]
    entry = _entry(session_factory, "2611.54321")
    assert (entry.day, entry.submitted_by, entry.submitted_by_user_id) == (TODAY, "ada", ada.id)
    assert (entry.source, entry.submitted_at) == ("submission", NOW)
    page = client.get(r.headers["location"]).text
    assert "Thank you: the paper is on today" in page and "Fresh results" in page
    feed = client.get("/papers", params={"date": TODAY.isoformat()}).text
    assert "Fresh results" in feed and "Submitted by ada" in feed
    item = client.get("/api/daily_papers", params={"date": TODAY.isoformat()}).json()[0]
    assert item["submittedBy"]["name"] == "ada" and item["paper"]["id"] == "2611.54321"


def test_a_paper_already_in_the_feed_is_not_duplicated_the_user_is_sent_to_it(
    client, arxiv, make_user, paper_factory, session_factory, make_token
):
    paper_factory(arxiv_id="2611.00007", feed_day=date(2026, 11, 2), submitted_by="akhaliq")
    ada = make_user()
    log_in(client)
    r = _submit(client, "https://arxiv.org/abs/2611.00007v3")
    assert r.status_code == 303
    assert r.headers["location"] == "/papers/2611.00007?notice=already"
    assert "already in the Daily Papers" in client.get(r.headers["location"]).text
    r = client.post("/api/papers/submit", json={"arxivId": "2611.00007"}, headers=make_token(ada))
    assert r.status_code == 200 and r.headers["location"] == "/papers/2611.00007"
    assert r.json()["submittedOnDailyBy"]["name"] == "akhaliq"  # the HF username is kept
    assert arxiv.requests == []  # no need to ask arXiv
    assert _count(session_factory, DailyEntry) == 1
    assert _entry(session_factory, "2611.00007").day == date(2026, 11, 2)


def test_a_stored_paper_not_yet_in_the_feed_is_added_without_asking_arxiv(
    client, arxiv, make_user, paper_factory, session_factory
):
    paper_factory(arxiv_id="2611.00008")  # harvested: no daily entry
    make_user()
    log_in(client)
    assert _submit(client, "2611.00008").headers["location"].endswith("notice=submitted")
    assert arxiv.requests == []
    assert _entry(session_factory, "2611.00008").submitted_by == "ada"


def test_too_old_for_a_member_but_an_admin_may(client, arxiv, make_user, session_factory):
    arxiv.script("/api/query", atom_entry("2610.00001", published="2026-10-01T00:00:00Z"))
    make_user()
    make_user("curator", role="admin")
    log_in(client)
    r = _submit(client, "2610.00001")
    assert r.status_code == 400 and 'class="form-error"' in r.text
    assert "more than 14 days ago" in r.text and 'value="2610.00001"' in r.text
    assert _count(session_factory, Paper) == 0
    log_in(client, "curator")
    assert _submit(client, "2610.00001").status_code == 303
    assert _entry(session_factory, "2610.00001").submitted_by == "curator"


def test_daily_cap_per_member_counts_today_only(client, app, arxiv, make_user, session_factory):
    app.state.settings = app.state.settings.model_copy(update={"submission_daily_cap": 2})
    arxiv.script("/api/query", lambda req: atom_entry(req.params["id_list"]))
    make_user()
    log_in(client)
    for n in (1, 2):
        assert _submit(client, f"2611.0010{n}").status_code == 303
    r = _submit(client, "2611.00103")
    assert r.status_code == 429 and "daily limit" in r.text
    assert int(r.headers["retry-after"]) == 12 * 3600 + 1  # to the next UTC midnight
    assert _entry(session_factory, "2611.00103") is None
    assert len(arxiv.requests) == 2  # the cap is checked before asking arXiv


def test_unknown_malformed_and_unreachable_are_clear_errors_and_write_nothing(
    client, arxiv, make_user, session_factory, make_token
):
    ada = make_user()
    log_in(client)
    arxiv.script("/api/query", EMPTY_FEED)
    r = _submit(client, "2611.99999")
    assert r.status_code == 404 and "arXiv has no paper 2611.99999" in r.text
    for bad in ("hello", "2611.999", "https://evil.example/abs/2611.00001", "", " " * 5):
        r = _submit(client, bad)
        assert r.status_code == 400 and 'class="form-error"' in r.text, bad
    asked = len(arxiv.requests)
    assert asked == 1  # malformed ids never reach arXiv
    arxiv.script("/api/query", Reply(503, b"busy", headers={"Retry-After": "0"}))
    r = _submit(client, "2611.00001")
    assert r.status_code == 502 and "unavailable" in r.text
    arxiv.script("/api/query", Reply(drop=True))
    r = client.post("/api/papers/submit", json={"arxivId": "2611.00001"}, headers=make_token(ada))
    assert r.status_code == 502 and r.json()["ok"] is False
    arxiv.script("/api/query", Reply(body=b"<feed><entry>"))  # truncated answer
    assert _submit(client, "2611.00001").status_code == 502
    assert _count(session_factory, Paper) == 0 and _count(session_factory, DailyEntry) == 0


def test_api_submit_with_a_bearer_token_answers_the_paper(
    client, arxiv, make_user, make_token, session_factory
):
    arxiv.script("/api/query", atom_entry("2611.00200", title="Via the API"))
    headers = make_token(make_user())
    r = client.post("/api/papers/submit", json={"paperId": "2611.00200v1"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/papers/2611.00200"
    body = r.json()
    assert body["id"] == "2611.00200" and body["title"] == "Via the API"
    assert body["submittedOnDailyBy"]["name"] == "ada"
    assert body["submittedOnDailyAt"] == "2026-11-20T12:00:00.000Z"
    assert [a["name"] for a in body["authors"]] == ["Ada Lovelace", "Grace Hopper"]
    for bad in ({}, {"arxivId": ""}, {"arxivId": 12}, {"arxivId": "x" * 301}, []):
        r = client.post("/api/papers/submit", json=bad, headers=headers)
        assert r.status_code == 400 and r.json()["ok"] is False, bad
    r = client.post(
        "/api/papers/submit",
        content=b'{"arxivId": "\xff\xfe"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert _count(session_factory, Paper) == 1


def test_api_submit_needs_a_user_and_csrf_with_a_cookie(client, arxiv, make_user):
    arxiv.script("/api/query", atom_entry("2611.00300"))
    r = client.post("/api/papers/submit", json={"arxivId": "2611.00300"})
    assert r.status_code == 401 and r.json()["status"] == 401
    make_user()
    log_in(client)
    r = client.post("/api/papers/submit", json={"arxivId": "2611.00300"})
    assert r.status_code == 403 and r.json()["status"] == 403
    r = client.post(
        "/api/papers/submit", json={"arxivId": "2611.00300"}, headers=api_headers(client)
    )
    assert r.status_code == 201
    r = client.post("/submit", data={"arxiv": "2611.00300"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text


def test_submissions_are_rate_limited(client, app, arxiv, make_user, make_token):
    app.state.settings = app.state.settings.model_copy(update={"rate_limit_writes": "3/minute"})
    arxiv.script("/api/query", EMPTY_FEED)
    headers = make_token(make_user())
    codes = [
        client.post("/api/papers/submit", json={"arxivId": "2611.99999"}, headers=headers)
        for _ in range(4)
    ]
    assert [r.status_code for r in codes] == [404, 404, 404, 429]
    assert int(codes[-1].headers["retry-after"]) > 0


def test_markup_in_submitted_title_and_abstract_is_shown_as_text(client, arxiv, make_user):
    arxiv.script(
        "/api/query",
        atom_entry(
            "2611.00400",
            title="<script>alert('t')</script> Title",
            abstract="We built a <projektor> and <img src=x onerror=alert(1)> too.",
        ),
    )
    make_user()
    log_in(client)
    assert _submit(client, "2611.00400").status_code == 303
    for page in (client.get("/papers/2611.00400").text, client.get("/").text):
        assert "<projektor>" not in page and "&lt;projektor&gt;" in page
        assert "<script>alert" not in page and "<img src=x" not in page


@pytest.mark.parametrize(
    "attack",
    ["' OR 1=1 --", "2611.00001'; DROP TABLE papers; --", '2611.00001" OR "1"="1',
     "2611.00001 UNION SELECT password_hash FROM users"],
)  # fmt: skip
def test_sql_injection_strings_as_the_id_are_just_bad_ids(
    client, arxiv, make_user, session_factory, attack
):
    make_user()
    log_in(client)
    r = _submit(client, attack)
    assert r.status_code == 400 and "is not an arXiv id" in r.text
    assert arxiv.requests == []
    assert _count(session_factory, Paper) == 0  # the table is still there


def test_deleting_the_account_keeps_the_paper_without_the_name(
    client, arxiv, make_user, session_factory
):
    arxiv.script("/api/query", atom_entry("2611.00500"))
    ada = make_user()
    log_in(client)
    assert _submit(client, "2611.00500").status_code == 303
    with session_scope(session_factory) as session:
        users.delete_users(session, [ada.id])
    entry = _entry(session_factory, "2611.00500")
    assert (entry.submitted_by, entry.submitted_by_user_id) == (None, None)
    assert "Submitted by ada" not in client.get("/").text


def test_concurrent_submissions_of_one_paper_make_one_entry(app, arxiv, make_user, session_factory):
    """Two members submit the same new paper at once: one entry, both are sent to it."""
    from concurrent.futures import ThreadPoolExecutor

    from paperfeed.service import submissions

    arxiv.script("/api/query", atom_entry("2611.00600"))
    people = [make_user("ada"), make_user("bob")]
    rules = submissions.Rules.from_settings(app.state.settings)
    lookup = submissions.arxiv_lookup(app.state.settings)

    def submit(account):
        return submissions.submit_paper(
            session_factory, lookup, "2611.00600", account, rules=rules, now=NOW
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(submit, people))
    assert sorted(r.created for r in results) == [False, True]
    assert _count(session_factory, DailyEntry) == 1
    assert datetime(2026, 11, 20, tzinfo=UTC).date() == _entry(session_factory, "2611.00600").day
