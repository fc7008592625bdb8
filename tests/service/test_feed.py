from datetime import UTC, date, datetime

from paperfeed.service.feed import feed_page, list_entries
from paperfeed.service.periods import day_period, month_period

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_trending_in_a_past_month_is_judged_at_its_end(paper_factory, session):
    old_hit = paper_factory(
        upvotes=50, feed_day=date(2024, 3, 10), submitted_at=datetime(2024, 3, 10, tzinfo=UTC)
    )
    fresh = paper_factory(
        upvotes=40, feed_day=date(2024, 3, 30), submitted_at=datetime(2024, 3, 30, tzinfo=UTC)
    )
    papers, total = list_entries(session, period=month_period(2024, 3), now=NOW, sort="trending")
    assert total == 2
    # 20 days of decay (half-life 3 days) sinks the older paper below the fresher one.
    assert [p.arxiv_id for p in papers] == [fresh, old_hit]


def test_feed_defaults_to_latest_day_and_links_neighbours(paper_factory, session):
    for day, votes in ((date(2026, 11, 16), 1), (date(2026, 11, 18), 5), (date(2026, 11, 18), 9)):
        paper_factory(feed_day=day, upvotes=votes)
    page = feed_page(session, None, now=NOW)
    assert page.period == day_period(date(2026, 11, 18))
    assert [p.upvotes for p in page.papers] == [9, 5]
    assert page.previous == day_period(date(2026, 11, 16))
    assert page.next is None
