"""The real ``huggingface_hub`` client, pointed at a live instance, reads our API.

This is the compatibility promise of the JSON API: ``HfApi(endpoint=<instance>)`` works.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from live_server import serve

hf = pytest.importorskip("huggingface_hub")


@pytest.fixture
def live_url(app):
    """Serve ``app`` (clock pinned) with uvicorn on a free 127.0.0.1 port, in a thread."""
    with serve(app) as url:
        yield url


@pytest.fixture
def api(live_url):
    return hf.HfApi(endpoint=live_url, token=False)


def test_hf_client_lists_daily_papers_of_a_date(api, paper_factory):
    published = datetime(2026, 11, 19, 17, 34, 15, tzinfo=UTC)
    submitted = datetime(2026, 11, 20, 3, 50, 58, 348000, tzinfo=UTC)
    paper_factory(
        arxiv_id="2611.00042",
        title="Attention again",
        abstract="We attend.",
        authors=("Ada Lovelace", "Alan Turing"),
        published_at=published,
        feed_day=date(2026, 11, 20),
        submitted_at=submitted,
        submitted_by="akhaliq",
        upvotes=7,
        num_comments=3,
        github_repo="https://github.com/x/y",
        github_stars=12,
    )
    paper_factory(feed_day=date(2026, 11, 19))

    papers = list(api.list_daily_papers(date="2026-11-20"))

    assert len(papers) == 1
    info = papers[0]
    assert info.id == "2611.00042"
    assert info.title == "Attention again"
    assert info.summary == "We attend."
    assert [a.name for a in info.authors] == ["Ada Lovelace", "Alan Turing"]
    assert info.published_at == published
    assert info.submitted_at == submitted
    assert info.submitted_by.username == "akhaliq"
    assert info.upvotes == 7
    assert info.comments == 3
    # As with huggingface.co itself, githubRepo/githubStars of a daily item sit inside
    # ``paper``, where PaperInfo does not look; paper_info() reads them (next test).


def test_hf_client_pages_and_sorts_daily_papers(api, paper_factory):
    ids = [
        paper_factory(
            feed_day=date(2026, 11, 20),
            submitted_at=datetime(2026, 11, 20, h, tzinfo=UTC),
            upvotes=h,
        )
        for h in range(1, 6)
    ]
    first = [p.id for p in api.list_daily_papers(week="2026-W47", limit=2, p=0)]
    second = [p.id for p in api.list_daily_papers(week="2026-W47", limit=2, p=1)]
    assert first + second == ids[::-1][:4]
    assert [p.id for p in api.list_daily_papers(month="2026-11", sort="trending")] == ids[::-1]


def test_hf_client_reads_paper_info(api, paper_factory):
    paper_factory(
        arxiv_id="2611.00007",
        title="A paper",
        abstract="Its abstract.",
        authors=("Grace Hopper",),
        published_at=datetime(2026, 11, 19, 1, 2, 3, tzinfo=UTC),
        upvotes=4,
        project_page="https://example.org/p",
        github_repo="https://github.com/x/y",
        github_stars=12,
    )
    info = api.paper_info("2611.00007")
    assert info.id == "2611.00007"
    assert info.title == "A paper"
    assert info.summary == "Its abstract."
    assert [a.name for a in info.authors] == ["Grace Hopper"]
    assert info.published_at == datetime(2026, 11, 19, 1, 2, 3, tzinfo=UTC)
    assert info.upvotes == 4
    assert info.project_page == "https://example.org/p"
    assert info.github_repo == "https://github.com/x/y"
    assert info.github_stars == 12


def test_hf_client_raises_its_not_found_error_for_an_unknown_paper(api):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2611.99999")
    assert raised.value.response.status_code == 404


def test_hf_client_reports_a_bad_date_as_a_400(api):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as raised:
        list(api.list_daily_papers(date="2026-02-30"))
    assert raised.value.response.status_code == 400
    assert "invalid date" in str(raised.value)


def test_hf_client_searches_papers(api, paper_factory):
    pid = paper_factory(
        title="Mixture of experts at scale",
        abstract="Routing tokens to experts.",
        feed_day=date(2026, 11, 20),
        upvotes=9,
    )
    paper_factory(title="Convolutional networks")
    for n in range(3):
        paper_factory(title=f"Experts paper {n}")

    found = list(api.list_papers(query="mixture of experts"))
    assert found[0].id == pid
    assert found[0].title == "Mixture of experts at scale"
    assert found[0].summary == "Routing tokens to experts."
    assert found[0].upvotes == 9
    assert len(list(api.list_papers(query="experts", limit=2))) == 2
