"""arXiv Atom API: recorded feeds, error entries, unknown ids, batching over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fake_server import Reply

from paperfeed.errors import InvalidInput
from paperfeed.ingest.arxiv_api import NOT_FOUND, fetch_by_ids, normalise_ids, parse_feed
from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.records import Failure, PaperRecord


def test_entries_parse_with_versions_dates_and_primary_category_first(data_file):
    first, second, unknown = parse_feed(data_file("arxiv_api_id_list.xml"))
    assert (first.arxiv_id, first.version) == ("2503.12028", 1)
    assert (second.arxiv_id, second.version) == ("2503.12230", 2)
    assert second.published_at == datetime(2025, 3, 14, 16, 2, 11, tzinfo=UTC)
    assert second.updated_at == datetime(2025, 3, 17, 9, 30, tzinfo=UTC)
    assert (second.doi, second.journal_ref) == ("10.1000/xyz123", "Proc. CVPR 2025")
    assert second.categories == ("cs.CV", "cs.AI", "cs.RO")
    assert first.authors == ("F. Çengel", "V. Adanova", "S. Tari")
    assert unknown == Failure("2503.99999", NOT_FOUND)


def test_error_entry_is_a_failure_with_arxivs_reason(data_file):
    (failure,) = parse_feed(data_file("arxiv_api_error.xml"))
    assert failure == Failure("1234", "arXiv: incorrect id format for 1234")


def test_truncated_feed_is_a_clear_error(data_file):
    body = data_file("arxiv_api_id_list.xml")[:700]
    with pytest.raises(BadResponse, match="not valid XML"):
        parse_feed(body)


def test_ids_are_normalised_and_invalid_ones_rejected_before_any_request():
    assert normalise_ids(["2406.12345", "arXiv:2401.00001v2", "2406.12345"]) == [
        "2406.12345",
        "2401.00001v2",
    ]
    with pytest.raises(InvalidInput, match="not an arXiv id"):
        normalise_ids(["2406.12345", "hello"])


def test_fetch_batches_ids_and_reports_ids_missing_from_the_answer(fake_server, data_file, clock):
    fake_server.script("/api/query", Reply(body=data_file("arxiv_api_id_list.xml")))
    ids = ["2503.12028", "2503.12230v2", "2503.99999", "2401.00001"]
    with Fetcher(delay=0, clock=clock, sleep=clock.sleep) as f:
        batches = list(fetch_by_ids(f, f"{fake_server.url}/api/query", ids, batch_size=3))
    assert len(batches) == 2
    assert [r.params["id_list"] for r in fake_server.requests] == [
        "2503.12028,2503.12230v2,2503.99999",
        "2401.00001",
    ]
    records = [r for b in batches for r in b if isinstance(r, PaperRecord)]
    failures = {f.key: f.reason for b in batches for f in b if isinstance(f, Failure)}
    assert {r.arxiv_id for r in records} == {"2503.12028", "2503.12230"}
    assert failures == {"2503.99999": NOT_FOUND, "2401.00001": NOT_FOUND}
