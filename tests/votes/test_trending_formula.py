"""The trending formula (rank/trending.py) with hand-computed scores: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.rank.trending import Candidate, horizon, rank_trending, trending_score, weight

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HALF = timedelta(days=3)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), 1.0),
        (3 * DAY, 0.5),
        (6 * DAY, 0.25),
        (36 * timedelta(hours=1), 2**-0.5),  # half a half-life: 0.70710678
        (30 * DAY, 1 / 1024),
        (-timedelta(seconds=1), 0.0),  # cast after `now`: not yet
    ],
)
def test_a_vote_weighs_one_when_cast_and_halves_every_half_life(age, expected):
    assert weight(NOW - age, NOW, HALF) == pytest.approx(expected)


def test_scores_and_order_computed_by_hand():
    a = Candidate(
        "a", posted_at=NOW - 6 * DAY, imported_upvotes=8, vote_times=(NOW - 3 * DAY,)
    )  # 8 * 0.25 + 0.5 = 2.5
    b = Candidate(
        "b", posted_at=NOW - DAY, vote_times=(NOW, NOW - 36 * timedelta(hours=1))
    )  # 1 + 0.70710678 = 1.70710678
    c = Candidate(
        "c",
        posted_at=NOW - 30 * DAY,
        imported_upvotes=100,
        vote_times=(NOW - timedelta(hours=12), NOW + DAY),
    )  # 100 / 1024 + 2 ** (-1 / 6) + 0 (the future vote) = 0.09765625 + 0.89089872 = 0.98855497
    d = Candidate("d", posted_at=NOW)  # nothing: 0
    ranked = rank_trending([d, c, b, a], NOW, HALF)
    assert [key for key, _ in ranked] == ["a", "b", "c", "d"]
    assert [score for _, score in ranked] == pytest.approx([2.5, 1.70710678, 0.98855497, 0.0])


def test_without_member_votes_it_is_the_imported_count_decayed_by_feed_age():
    c = Candidate("x", posted_at=NOW - 10 * DAY, imported_upvotes=100)
    assert trending_score(c, NOW, HALF) == pytest.approx(100 * 2 ** (-10 / 3))  # 9.92125657


def test_a_fresh_vote_outranks_many_old_ones():
    old = Candidate("old", posted_at=NOW - 9 * DAY, imported_upvotes=7)  # 7 / 8 = 0.875
    fresh = Candidate("fresh", posted_at=NOW - 9 * DAY, vote_times=(NOW - timedelta(hours=1),))
    assert [k for k, _ in rank_trending([old, fresh], NOW, HALF)] == ["fresh", "old"]


def test_half_life_changes_the_order():
    burst = Candidate("burst", posted_at=NOW - 4 * DAY, imported_upvotes=40)
    recent = Candidate("recent", posted_at=NOW, imported_upvotes=5)
    # 1 day: 40 / 16 = 2.5 < 5; 30 days: 40 * 2**(-4/30) = 36.5 > 5
    assert [k for k, _ in rank_trending([burst, recent], NOW, DAY)] == ["recent", "burst"]
    assert [k for k, _ in rank_trending([burst, recent], NOW, 30 * DAY)] == ["burst", "recent"]


def test_ties_go_to_the_newer_feed_entry_then_input_order():
    older = Candidate("older", posted_at=NOW - DAY)
    newer = Candidate("newer", posted_at=NOW)
    twin = Candidate("twin", posted_at=NOW)
    assert [k for k, _ in rank_trending([older, newer, twin], NOW, HALF)] == [
        "newer",
        "twin",
        "older",
    ]


def test_judged_at_another_now_later_votes_do_not_exist_yet():
    votes = (NOW - 2 * DAY, NOW)
    c = Candidate("p", posted_at=NOW - 2 * DAY, vote_times=votes)
    assert trending_score(c, NOW - DAY, HALF) == pytest.approx(2 ** (-1 / 3))  # 0.79370053


def test_horizon_is_ten_half_lives_and_half_life_must_be_positive():
    assert horizon(HALF) == 30 * DAY
    with pytest.raises(ValueError):
        rank_trending([], NOW, timedelta(0))
