"""The shared Fetcher against a real local server: retries, Retry-After, delays, bad wires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fake_server import Reply

from paperfeed.errors import SourceUnavailable
from paperfeed.ingest.http import Fetcher, parse_retry_after


def fetcher(clock, **kw) -> Fetcher:
    kw.setdefault("retries", 2)
    kw.setdefault("delay", 0)
    kw.setdefault("timeout", 2)
    return Fetcher(user_agent="paperfeed-test/1", clock=clock, sleep=clock.sleep, **kw)


def test_get_returns_the_body_and_sends_the_user_agent(fake_server, clock):
    fake_server.script("/x", Reply(body=b"hello"))
    with fetcher(clock) as f:
        assert f.get(f"{fake_server.url}/x", params={"a": "1"}) == b"hello"
    (request,) = fake_server.requests
    assert request.params == {"a": "1"}
    assert request.headers["User-Agent"] == "paperfeed-test/1"


def test_503_with_retry_after_seconds_waits_that_long_then_succeeds(fake_server, clock):
    fake_server.script("/x", Reply(503, headers={"Retry-After": "7"}), Reply(body=b"ok"))
    with fetcher(clock) as f:
        assert f.get(f"{fake_server.url}/x") == b"ok"
    assert clock.sleeps == [7.0]
    assert len(fake_server.requests) == 2


def test_429_with_retry_after_http_date_waits_until_that_date(fake_server, clock):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fake_server.script("/x", Reply(429, headers={"Retry-After": when}), Reply(body=b"ok"))
    with fetcher(clock) as f:
        assert f.get(f"{fake_server.url}/x") == b"ok"
    (waited,) = clock.sleeps
    assert 27 <= waited <= 30


def test_server_errors_back_off_exponentially(fake_server, clock):
    fake_server.script("/x", Reply(500), Reply(502), Reply(body=b"ok"))
    with fetcher(clock, backoff=1.5) as f:
        assert f.get(f"{fake_server.url}/x") == b"ok"
    assert clock.sleeps == [1.5, 3.0]


def test_gives_up_after_the_retries_with_a_clear_error(fake_server, clock):
    fake_server.script("/x", Reply(503))
    with fetcher(clock, retries=2) as f, pytest.raises(SourceUnavailable) as caught:
        f.get(f"{fake_server.url}/x")
    assert "HTTP 503" in caught.value.message
    assert "gave up after 3 attempts" in caught.value.message
    assert len(fake_server.requests) == 3


def test_client_errors_are_not_retried(fake_server, clock):
    fake_server.script("/x", Reply(404, b"no such day"))
    with fetcher(clock) as f, pytest.raises(SourceUnavailable, match="HTTP 404: no such day"):
        f.get(f"{fake_server.url}/x")
    assert len(fake_server.requests) == 1


def test_a_slow_server_times_out_and_is_retried(fake_server, clock):
    fake_server.script("/x", Reply(body=b"late", delay=1.0), Reply(body=b"ok"))
    with fetcher(clock, timeout=0.2) as f:
        assert f.get(f"{fake_server.url}/x") == b"ok"
    assert len(fake_server.requests) == 2


def test_a_server_that_stays_slow_ends_in_a_timeout_error(fake_server, clock):
    fake_server.script("/x", Reply(body=b"late", delay=0.5))
    with fetcher(clock, timeout=0.1, retries=1) as f, pytest.raises(SourceUnavailable) as caught:
        f.get(f"{fake_server.url}/x")
    assert "timed out" in caught.value.message


def test_a_dropped_connection_is_retried(fake_server, clock):
    fake_server.script("/x", Reply(drop=True), Reply(body=b"ok"))
    with fetcher(clock) as f:
        assert f.get(f"{fake_server.url}/x") == b"ok"
    assert len(fake_server.requests) == 2


def test_a_truncated_body_is_retried_never_returned(fake_server, clock):
    fake_server.script("/x", Reply(body=b"x" * 1000, truncate=True), Reply(body=b"whole"))
    with fetcher(clock) as f:
        assert f.get(f"{fake_server.url}/x") == b"whole"


def test_a_refused_connection_ends_in_source_unavailable(clock):
    with fetcher(clock, retries=1) as f, pytest.raises(SourceUnavailable, match="connection"):
        f.get("http://127.0.0.1:9/nothing-listens-here")


def test_requests_to_the_same_host_are_spaced_by_the_polite_delay(fake_server, clock):
    fake_server.script("/x", Reply(body=b"ok"))
    with fetcher(clock, delay=3.0) as f:
        f.get(f"{fake_server.url}/x")
        clock.now += 1.0  # one second of work between the two requests
        f.get(f"{fake_server.url}/x")
    assert clock.sleeps == [2.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, expected):
    now = datetime(2015, 10, 21, 7, 29, tzinfo=UTC)  # the date above is in the past
    assert parse_retry_after(header, now=now) == expected


def test_retry_after_date_in_the_future_is_seconds_from_now():
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now=now) == 120.0


def test_an_unsupported_url_fails_at_once_without_retries(clock):
    with fetcher(clock) as f, pytest.raises(SourceUnavailable, match="cannot fetch"):
        f.get("ftp://example.org/x")
    assert clock.sleeps == []
