"""The trending digest of an idle instance (a demo of 2024 papers, a mirror that stopped):
the period has no papers because nothing happened for longer than the trending horizon, so
the digest is the trending list as of the latest activity, and says so; an instance that is
merely quiet on the period's day still sends nothing. Real SMTP server, both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest_helpers import NOW, PERIOD, outbox, subscribe_confirmed

from paperfeed.digest.runner import send_digests


def run(runtime):
    return send_digests(
        runtime, cadence="daily", period=PERIOD, clock=lambda: NOW, sleep=lambda s: None
    )


def add_2024_papers(paper_factory) -> None:
    for arxiv_id, title, upvotes, day, authors in (
        ("2411.00001", "Late paper with fewer votes", 30, 8, ("Ada Lovelace",)),
        ("2411.00002", "Earlier paper with more votes", 50, 7, ()),  # no authors known
    ):
        posted = datetime(2024, 11, day, tzinfo=UTC)
        paper_factory(
            arxiv_id=arxiv_id,
            title=title,
            authors=authors,
            upvotes=upvotes,
            feed_day=posted.date(),
            submitted_at=posted,
            published_at=posted - timedelta(days=1),
        )


def test_idle_instance_sends_trending_as_of_its_latest_activity(
    settings, runtime, session_factory, paper_factory, inbox
):
    add_2024_papers(paper_factory)
    subscribe_confirmed(session_factory, "ada@example.org")
    report = run(runtime)
    assert (report.sent, report.skipped) == (1, 0)
    [message] = inbox.wait(1)
    assert message["Subject"].startswith("Trending papers as of Nov 8, 2024 ·")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Trending as of Nov 8, 2024" in text and "since Nov 8, 2024" in text
    assert "Trending papers as of Nov 8, 2024" in html and "since Nov 8, 2024" in html
    # 50 * 2**(-1/3) = 39.7 beats 30 as of Nov 8: the trending order, not the period's.
    assert text.index("Earlier paper") < text.index("Late paper")
    assert "All trending papers: https://papers.example.org/papers/trending" in text
    # The paper without authors has no empty author line and no dangling separator.
    assert "50 upvotes · cs.LG\n   https://papers.example.org/papers/2411.00002" in text
    assert "▲ 50 · cs.LG</div>" in html


def test_a_quiet_day_of_a_live_instance_is_still_skipped(
    settings, runtime, session_factory, paper_factory, inbox
):
    # Posted five days before the covered day: within the horizon, so not idle.
    paper_factory(feed_day=PERIOD.start - timedelta(days=5), upvotes=9)
    subscribe_confirmed(session_factory, "ada@example.org")
    report = run(runtime)
    assert (report.sent, report.skipped) == (0, 1)
    assert outbox(session_factory)["ada@example.org"][0] == "skipped"
    assert inbox.messages == []
