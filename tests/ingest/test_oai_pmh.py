"""OAI-PMH ListRecords: parsing recorded pages, following resumption tokens over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fake_server import Reply

from paperfeed.ingest.http import BadResponse, Fetcher
from paperfeed.ingest.oai_pmh import harvest, list_records_params, parse_list_records
from paperfeed.ingest.records import Failure, PaperRecord


def test_page_parses_records_skips_deleted_and_keeps_the_token(data_file):
    page = parse_list_records(data_file("oai_list_records_page1.xml"))
    assert [r.arxiv_id for r in page.records] == ["2503.12028", "2503.12230"]
    assert page.deleted == 1
    assert page.token == "7180154|1001"
    assert page.complete_size == 4
    first = page.records[0]
    assert first.authors == ("F. Çengel", "V. Adanova", "S. Tari")
    assert page.records[1].categories == ("cs.CV", "cs.AI", "cs.RO")
    assert first.version is None  # the arXiv format has no version number
    assert first.published_at == datetime(2025, 3, 14, tzinfo=UTC)
    assert first.updated_at == datetime(2025, 3, 17, tzinfo=UTC)
    assert first.title == "Challenges in Plane Symmetry: From Theory to Perception"
    assert "\n" not in first.abstract  # hard wraps joined
    second = page.records[1]
    assert (second.journal_ref, second.doi) == ("Proc. CVPR 2025", "10.1000/xyz123")


def test_last_page_has_an_empty_token(data_file):
    page = parse_list_records(data_file("oai_list_records_page2.xml"))
    assert len(page.records) == 2
    assert page.token is None


def test_no_records_match_is_an_empty_result(data_file):
    page = parse_list_records(data_file("oai_no_records_match.xml"))
    assert page.records == [] and page.token is None


def test_other_oai_errors_are_a_clear_error(data_file):
    with pytest.raises(BadResponse, match="badResumptionToken"):
        parse_list_records(data_file("oai_bad_resumption_token.xml"))


@pytest.mark.parametrize(
    "body",
    [b"", b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords><rec", b"{}"],
    ids=["empty", "truncated", "json"],
)
def test_invalid_xml_is_a_clear_error_not_a_crash(body):
    with pytest.raises(BadResponse, match="not valid XML"):
        parse_list_records(body)


def test_a_record_without_a_title_is_a_failure_and_the_rest_parse(data_file):
    body = data_file("oai_list_records_page2.xml").replace(b"<title>", b"<title>  <!--", 1)
    body = body.replace(b"</title>", b"--></title>", 1)
    page = parse_list_records(body)
    assert isinstance(page.records[0], Failure)
    assert page.records[0].reason.endswith("missing title")
    assert isinstance(page.records[1], PaperRecord)


def test_a_token_request_carries_no_other_arguments():
    assert list_records_params(from_=date(2026, 11, 1), set_="cs", token="abc") == {
        "verb": "ListRecords",
        "resumptionToken": "abc",
    }
    assert list_records_params(from_=date(2026, 11, 1), until=date(2026, 11, 21), set_="cs") == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "from": "2026-11-01",
        "until": "2026-11-21",
        "set": "cs",
    }


def test_harvest_follows_resumption_tokens(fake_server, data_file, clock):
    fake_server.script(
        "/oai",
        Reply(body=data_file("oai_list_records_page1.xml")),
        Reply(body=data_file("oai_list_records_page2.xml")),
    )
    with Fetcher(delay=0, clock=clock, sleep=clock.sleep) as f:
        pages = list(harvest(f, f"{fake_server.url}/oai", from_=date(2025, 3, 18), set_="cs"))
    assert [len(p.records) for p in pages] == [2, 2]
    first, second = (r.params for r in fake_server.requests)
    assert first["metadataPrefix"] == "arXiv" and first["set"] == "cs"
    assert second == {"verb": "ListRecords", "resumptionToken": "7180154|1001"}


def test_recorded_page_matches_the_shared_arxiv_data(data_file, shared_dir):
    import gzip

    path = Path(shared_dir) / "data" / "arxiv-cs-daily-2025-2026" / "papers.jsonl.gz"
    records = parse_list_records(data_file("oai_list_records_page2.xml")).records
    wanted = {r.arxiv_id: r for r in records}
    with gzip.open(path, "rt") as f:
        real = [o for o in map(json.loads, f) if o["id"] in wanted]
    assert len(real) == len(records)
    for paper in real:
        record = wanted[paper["id"]]
        assert list(record.authors) == paper["authors"]
        # ACM/MSC classes (I.4, 68T05) are not arXiv categories and are dropped
        assert list(record.categories) == [c for c in paper["categories"] if c[0].islower()]
        assert record.comments == (" ".join(paper["comment"].split()) if paper["comment"] else None)
