"""GET /api/daily_papers: HF item shape, periods, paging, sorting and errors, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest


def day(d: int) -> date:
    return date(2026, 11, d)


def at(d: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, d, hour, 0, tzinfo=UTC)


def test_daily_papers_item_has_the_hf_shape(client, paper_factory):
    paper_factory(
        arxiv_id="2611.00042",
        title="Attention again",
        abstract="We attend.",
        authors=("Ada Lovelace", "Alan Turing"),
        published_at=datetime(2026, 11, 18, 17, 34, 15, 123456, tzinfo=UTC),
        feed_day=day(20),
        submitted_at=at(20),
        submitted_by="akhaliq",
        upvotes=7,
        num_comments=3,
        github_repo="https://github.com/x/y",
        github_stars=12,
        project_page="https://x.github.io/y",
    )
    r = client.get("/api/daily_papers", params={"date": "2026-11-20"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == [
        {
            "paper": {
                "id": "2611.00042",
                "authors": [
                    {"name": "Ada Lovelace", "hidden": False},
                    {"name": "Alan Turing", "hidden": False},
                ],
                "publishedAt": "2026-11-18T17:34:15.123Z",
                "title": "Attention again",
                "summary": "We attend.",
                "upvotes": 7,
                "submittedOnDailyAt": "2026-11-20T09:00:00.000Z",
                "submittedOnDailyBy": {"user": "akhaliq", "name": "akhaliq", "type": "user"},
                "githubRepo": "https://github.com/x/y",
                "githubStars": 12,
                "projectPage": "https://x.github.io/y",
            },
            "publishedAt": "2026-11-20T09:00:00.000Z",
            "title": "Attention again",
            "summary": "We attend.",
            "numComments": 3,
            # repeated at the top, where huggingface_hub's PaperInfo reads them
            "githubRepo": "https://github.com/x/y",
            "githubStars": 12,
            "projectPage": "https://x.github.io/y",
            "submittedBy": {"user": "akhaliq", "name": "akhaliq", "type": "user"},
        }
    ]


def test_daily_papers_omits_what_we_do_not_know(client, paper_factory):
    paper_factory(published_at=None, feed_day=day(20), submitted_at=at(20))
    item = client.get("/api/daily_papers").json()[0]
    assert "submittedBy" not in item
    for key in ("publishedAt", "githubRepo", "githubStars", "projectPage", "submittedOnDailyBy"):
        assert key not in item["paper"]
    assert item["numComments"] == 0 and item["paper"]["upvotes"] == 0


def test_daily_papers_keys_match_a_recorded_hf_item(client, paper_factory):
    """Every key we send exists in the real HF response (tests/data holds none: shape inline)."""
    hf_item_keys = {
        "paper",
        "publishedAt",
        "title",
        "summary",
        "thumbnail",
        "numComments",
        "submittedBy",
        "organization",
        "isAuthorParticipating",
        "mediaUrls",
    }
    hf_paper_keys = {"id", "authors", "publishedAt", "title", "summary", "upvotes",
                     "discussionId", "submittedOnDailyAt", "submittedOnDailyBy", "ai_keywords",
                     "ai_summary", "githubRepo", "githubStars", "organization", "projectPage",
                     "githubRepoAddedBy", "mediaUrls", "ai_summary_model"}  # fmt: skip
    paper_factory(
        feed_day=day(20), submitted_by="u", github_repo="https://github.com/a/b", github_stars=1
    )
    item = client.get("/api/daily_papers").json()[0]
    # plus what PaperInfo reads from the top of an item, repeated there (docs/hf-fields.md)
    repeated = {"githubRepo", "githubStars", "projectPage", "ai_summary", "ai_keywords"}
    assert set(item) <= hf_item_keys | repeated
    assert set(item["paper"]) <= hf_paper_keys


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date": "2026-11-18"}, ["2611.00002"]),
        ({"week": "2026-W47"}, ["2611.00003", "2611.00002"]),  # Mon 16 .. Sun 22
        ({"month": "2026-11"}, ["2611.00003", "2611.00002", "2611.00001"]),
        ({"month": "2026-10"}, ["2611.00004"]),
        ({}, ["2611.00003", "2611.00002", "2611.00001", "2611.00004"]),
    ],
)
def test_daily_papers_selects_the_period(client, paper_factory, params, expected):
    paper_factory(feed_day=day(2), submitted_at=at(2))
    paper_factory(feed_day=day(18), submitted_at=at(18))
    paper_factory(feed_day=day(20), submitted_at=at(20))
    paper_factory(feed_day=date(2026, 10, 30), submitted_at=at(2) - timedelta(days=3))
    r = client.get("/api/daily_papers", params=params)
    assert r.status_code == 200
    assert [i["paper"]["id"] for i in r.json()] == expected
    assert r.headers["x-total-count"] == str(len(expected))


def test_daily_papers_sorts(client, paper_factory):
    old_popular = paper_factory(feed_day=day(10), submitted_at=at(10), upvotes=100)
    new_quiet = paper_factory(feed_day=day(20), submitted_at=at(20), upvotes=2)
    mid = paper_factory(feed_day=day(19), submitted_at=at(19), upvotes=30)

    def ids(sort):
        r = client.get("/api/daily_papers", params={"sort": sort})
        assert r.status_code == 200
        return [i["paper"]["id"] for i in r.json()]

    assert ids("publishedAt") == [new_quiet, mid, old_popular]
    assert ids("upvotes") == [old_popular, mid, new_quiet]
    # 100 upvotes ten days ago decay to ~10 (half-life 3 days), below 30 from yesterday
    assert ids("trending") == [mid, old_popular, new_quiet]


def test_daily_papers_default_sort_is_newest_like_hf(client, paper_factory):
    a = paper_factory(feed_day=day(20), submitted_at=at(20, 8), upvotes=50)
    b = paper_factory(feed_day=day(20), submitted_at=at(20, 10), upvotes=1)
    assert [i["paper"]["id"] for i in client.get("/api/daily_papers").json()] == [b, a]


def test_daily_papers_pages_with_p_and_limit(client, paper_factory):
    ids = [paper_factory(feed_day=day(20), submitted_at=at(20, h)) for h in range(1, 6)]
    newest_first = ids[::-1]
    pages = [
        [i["paper"]["id"] for i in client.get(f"/api/daily_papers?limit=2&p={p}").json()]
        for p in range(4)
    ]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:], []]


def test_daily_papers_caps_limit_at_api_max_limit(client, paper_factory, settings):
    for h in range(1, 5):
        paper_factory(feed_day=day(20), submitted_at=at(20, h))
    client.app.state.settings = settings.model_copy(update={"api_max_limit": 3})
    r = client.get("/api/daily_papers", params={"limit": 1000})
    assert r.status_code == 200
    assert len(r.json()) == 3
    # paging uses the capped size, so p=1 continues where p=0 stopped
    assert len(client.get("/api/daily_papers", params={"limit": 1000, "p": 1}).json()) == 1


def test_daily_papers_filters_by_submitter(client, paper_factory):
    mine = paper_factory(feed_day=day(20), submitted_by="ada")
    paper_factory(feed_day=day(20), submitted_by="alan")
    r = client.get("/api/daily_papers", params={"submitter": "ada"})
    assert [i["paper"]["id"] for i in r.json()] == [mine]


def test_daily_papers_never_shows_hidden_papers(client, paper_factory, session_factory):
    from sqlalchemy import update

    from paperfeed.store.db import session_scope
    from paperfeed.store.models import Paper

    hidden = paper_factory(feed_day=day(20))
    shown = paper_factory(feed_day=day(20))
    with session_scope(session_factory) as s:
        s.execute(update(Paper).where(Paper.arxiv_id == hidden).values(hidden=True))
    assert [i["paper"]["id"] for i in client.get("/api/daily_papers").json()] == [shown]
    assert client.get(f"/api/papers/{hidden}").status_code == 404


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"date": "2026-13-01"}, "invalid date"),
        ({"date": "yesterday"}, "invalid date"),
        ({"week": "2026-W60"}, "invalid week"),
        ({"week": "2026-47"}, "invalid week"),
        ({"month": "2026-13"}, "invalid month"),
        ({"date": "2026-11-20", "month": "2026-11"}, "only one of"),
        ({"sort": "random"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"p": -1}, "p"),
    ],
)
def test_daily_papers_rejects_bad_parameters_with_400(client, params, needle):
    r = client.get("/api/daily_papers", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and body["status"] == 400
    assert needle in body["error"]
