"""The feed pages: /, /papers?date=, ?week=, ?month=, paging, period tabs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


def titles_in_order(html: str, *titles: str) -> bool:
    positions = [html.index(t) for t in titles]
    return positions == sorted(positions)


def test_home_shows_the_latest_day_with_papers(client, paper_factory):
    paper_factory(title="Older day paper", feed_day=date(2026, 11, 16))
    paper_factory(title="Few votes", feed_day=date(2026, 11, 18), upvotes=3)
    paper_factory(title="Many votes", feed_day=date(2026, 11, 18), upvotes=40)
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Nov 18" in r.text
    assert "Older day paper" not in r.text
    assert titles_in_order(r.text, "Many votes", "Few votes")  # sorted by upvotes
    assert "2 papers" in r.text


def test_home_ignores_days_after_today(client, paper_factory):
    paper_factory(title="Today", feed_day=date(2026, 11, 20))
    paper_factory(title="From the future", feed_day=date(2026, 11, 25))
    r = client.get("/")
    assert "Today" in r.text and "From the future" not in r.text


def test_home_on_an_empty_instance_says_so(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "No papers on this day" in r.text


def test_day_page_links_to_previous_and_next_days_with_papers(client, paper_factory):
    paper_factory(title="Monday paper", feed_day=date(2026, 11, 16))
    paper_factory(title="Wednesday paper", feed_day=date(2026, 11, 18))
    paper_factory(title="Thursday paper", feed_day=date(2026, 11, 19))
    r = client.get("/papers", params={"date": "2026-11-18"})
    assert r.status_code == 200
    assert "Wednesday paper" in r.text and "Monday paper" not in r.text
    assert 'rel="prev" href="/papers?date=2026-11-16"' in r.text
    assert 'rel="next" href="/papers?date=2026-11-19"' in r.text
    assert "Nov 18</time>" in r.text


def test_day_header_shows_year_outside_the_current_year(client, paper_factory):
    paper_factory(title="Old", feed_day=date(2024, 4, 3))
    r = client.get("/papers", params={"date": "2024-04-03"})
    assert "Apr 3</time>, 2024" in r.text


def test_week_view_covers_monday_to_sunday(client, paper_factory):
    paper_factory(title="In week start", feed_day=date(2026, 11, 16), upvotes=1)
    paper_factory(title="In week end", feed_day=date(2026, 11, 22), upvotes=9)
    paper_factory(title="Week before", feed_day=date(2026, 11, 15))
    r = client.get("/papers", params={"week": "2026-W47"})
    assert r.status_code == 200
    assert "Week 47, 2026" in r.text
    assert titles_in_order(r.text, "In week end", "In week start")
    assert "Week before" not in r.text
    assert 'rel="prev" href="/papers?week=2026-W46"' in r.text
    # the week has not ended yet: no link into the future
    assert 'rel="next"' not in r.text.split('class="period-nav"')[1].split("</nav>")[0]


def test_month_view(client, paper_factory):
    paper_factory(title="October paper", feed_day=date(2026, 10, 30))
    paper_factory(title="November paper", feed_day=date(2026, 11, 2))
    r = client.get("/papers", params={"month": "2026-10"})
    assert r.status_code == 200
    assert "October 2026" in r.text
    assert "October paper" in r.text and "November paper" not in r.text
    assert 'href="/papers?month=2026-11"' in r.text


def test_tabs_switch_between_day_week_and_month(client, paper_factory):
    paper_factory(feed_day=date(2026, 11, 18))
    r = client.get("/papers", params={"date": "2026-11-18"})
    tabs = r.text.split('class="tabs"')[1].split("</nav>")[0]
    assert 'href="/papers?date=2026-11-18" class="current"' in tabs
    assert 'href="/papers?week=2026-W47"' in tabs
    assert 'href="/papers?month=2026-11"' in tabs
    r = client.get("/papers", params={"month": "2026-11"})
    tabs = r.text.split('class="tabs"')[1].split("</nav>")[0]
    assert 'href="/papers?month=2026-11" class="current"' in tabs
    assert 'href="/papers?date=2026-11-20"' in tabs  # the month's last day so far


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date": "2026-13-45"}, "invalid date"),
        ({"date": "yesterday"}, "invalid date"),
        ({"week": "2026-W99"}, "invalid week"),
        ({"month": "2026-xx"}, "invalid month"),
        ({"date": "2026-11-20", "week": "2026-W47"}, "only one of"),
        ({"p": "0"}, "invalid request"),
        ({"p": "two"}, "invalid request"),
    ],
)
def test_bad_period_or_page_is_a_400_page(client, params, message):
    r = client.get("/papers", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert message in r.text
    assert "Bad request" in r.text


def test_paging_when_a_period_has_more_than_page_size(app, client, paper_factory):
    app.state.settings = app.state.settings.model_copy(update={"page_size": 2})
    for n in range(5):
        paper_factory(title=f"Ranked {n}", feed_day=date(2026, 11, 20), upvotes=10 - n)
    first = client.get("/papers", params={"date": "2026-11-20"})
    assert "Ranked 0" in first.text and "Ranked 1" in first.text and "Ranked 2" not in first.text
    assert "page 1 of 3" in first.text
    assert 'href="/papers?date=2026-11-20&amp;p=2"' in first.text
    third = client.get("/papers", params={"date": "2026-11-20", "p": 3})
    assert "Ranked 4" in third.text and "Ranked 3" not in third.text
    assert 'href="/papers?date=2026-11-20&amp;p=2"' in third.text
    assert "/api/daily_papers?date=2026-11-20&amp;sort=upvotes&amp;p=2&amp;limit=2" in third.text


def test_card_shows_authors_date_votes_github_and_submitter(client, paper_factory):
    paper_factory(
        arxiv_id="2611.04242",
        title="A carded paper",
        authors=("A One", "B Two", "C Three", "D Four", "E Five"),
        published_at=datetime(2021, 8, 9, tzinfo=UTC),
        feed_day=date(2026, 11, 20),
        upvotes=17,
        github_repo="https://github.com/example/carded",
        github_stars=1234,
        submitted_by="akhaliq",
    )
    paper_factory(
        title="This year's paper",
        authors=("Solo Author",),
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        feed_day=date(2026, 11, 20),
    )
    r = client.get("/")
    assert 'href="/papers/2611.04242"' in r.text
    assert "5 authors" in r.text and "1 author<" in r.text
    assert ">Aug 9, 2021</time>" in r.text
    assert ">Mar 1</time>" in r.text  # no year within the current year
    assert '<span class="count">17</span>' in r.text
    assert 'href="https://github.com/example/carded"' in r.text and "★ 1.2k" in r.text
    assert "Submitted by akhaliq" in r.text


def test_long_abstracts_are_shortened_in_a_details_element(client, paper_factory):
    abstract = "Lorem ipsum dolor sit amet. " * 40 + "THE-VERY-END"
    paper_factory(title="Long", abstract=abstract, feed_day=date(2026, 11, 20))
    paper_factory(title="Short", abstract="Tiny abstract.", feed_day=date(2026, 11, 20))
    r = client.get("/")
    summary = r.text.split("<summary>")[1].split("</summary>")[0]
    assert "…" in summary and "THE-VERY-END" not in summary
    assert "THE-VERY-END" in r.text  # the full text is inside <details>, readable without JS
    assert '<p class="abstract">Tiny abstract.</p>' in r.text


def test_feed_links_to_its_json_twin(client, paper_factory):
    paper_factory(feed_day=date(2026, 11, 19))
    r = client.get("/papers", params={"week": "2026-W47"})
    assert (
        '<link rel="alternate" type="application/json" href="/api/daily_papers?week=2026-W47&amp;sort=upvotes">'
        in r.text
    )
    assert (
        r.headers["link"]
        == '</api/daily_papers?week=2026-W47&sort=upvotes>; rel="alternate"; type="application/json"'
    )
    home = client.get("/")
    assert 'href="/api/daily_papers?date=2026-11-19&amp;sort=upvotes"' in home.text


def test_hugging_face_style_paths_redirect(client):
    r = client.get("/papers/date/2026-11-19", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == "/papers?date=2026-11-19"
    r = client.get("/papers/week/2026-W47", follow_redirects=False)
    assert r.headers["location"] == "/papers?week=2026-W47"


def test_a_card_without_known_authors_says_nothing_about_authors(client, paper_factory):
    paper_factory(
        arxiv_id="2611.00051",
        authors=(),
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        feed_day=date(2026, 11, 20),
    )
    r = client.get("/")
    card = r.text.split('id="paper-2611.00051"')[1].split("</article>")[0]
    meta = card.split('<p class="meta">')[1].split("</p>")[0]
    assert "author" not in meta  # no "0 authors"
    assert meta.startswith("<time") and ">Mar 1</time>" in meta  # and no dangling " · "
