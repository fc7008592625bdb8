"""Page dumps of the Daily Papers page: cards, the year rule, and the arXiv id rule."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from paperfeed.errors import InvalidInput
from paperfeed.ingest.page_dump import (
    NO_ID,
    parse_cards,
    parse_page_dump,
    store_title_resolver,
)
from paperfeed.ingest.records import Failure, PaperRecord
from paperfeed.store.models import Paper


def excerpt(data_file) -> str:
    return data_file("page_dump_excerpt.txt").decode()


def test_chrome_is_stripped_and_every_card_parsed(data_file):
    cards = parse_cards(excerpt(data_file))
    assert len(cards) == 7
    first = cards[0]
    assert first.title == "AstroM$^3$: A self-supervised multimodal model for astronomy"
    assert first.abstract.startswith("While machine-learned models are now routinely employed")
    assert (first.author_count, first.published, first.upvotes) == (2, date(2024, 11, 13), None)
    assert not any(c.title in ("Subscribe", "Daily Papers", "new") for c in cards)


def test_trailing_number_after_the_date_is_the_upvote_count(data_file):
    card = parse_cards(excerpt(data_file))[5]
    assert card.title.startswith("Easy to Learn, Yet Hard to Forget")
    assert (card.published, card.upvotes, card.author_count) == (date(2026, 2, 25), 2, 6)


def test_a_date_without_year_is_in_the_year_after_the_latest_explicit_year(data_file):
    # the latest explicit date on the page is Dec 10, 2025, so the page is from 2026
    card = parse_cards(excerpt(data_file))[6]
    assert card.published == date(2026, 2, 4)


def test_an_explicit_year_overrides_the_inference(data_file):
    cards = parse_cards(excerpt(data_file), year=2030)
    assert cards[6].published == date(2030, 2, 4)
    assert cards[0].published == date(2024, 11, 13)


def test_a_yearless_date_after_the_header_belongs_to_the_year_before():
    text = "Daily Papers\n\nApr 3\n\nA title\n\nAn abstract.\n\n  • 2 authors\n·\nDec 24\n"
    (card,) = parse_cards(text, year=2026)
    assert card.published == date(2025, 12, 24)


def test_without_a_resolver_every_card_fails_for_lack_of_an_id(data_file):
    results = list(parse_page_dump(excerpt(data_file), label="dump.txt"))
    assert len(results) == 7
    assert all(isinstance(r, Failure) and r.reason == NO_ID for r in results)
    assert results[0].key.startswith("dump.txt:13 'AstroM$^3$")


def test_a_resolved_card_updates_upvotes_and_invents_nothing(data_file):
    ids = {"Easy to Learn, Yet Hard to Forget": "2502.12345"}

    def resolve(card):
        return next((v for k, v in ids.items() if card.title.startswith(k)), None)

    results = list(parse_page_dump(excerpt(data_file), resolve_id=resolve))
    records = [r for r in results if isinstance(r, PaperRecord)]
    (record,) = records
    assert (record.arxiv_id, record.upvotes) == ("2502.12345", 2)
    assert record.authors == () and record.published_at is None and record.abstract == ""


def test_text_that_is_no_page_dump_is_a_clear_error():
    with pytest.raises(InvalidInput, match="no paper cards found"):
        list(parse_page_dump("just some text\nwithout cards\n"))


def test_the_store_resolver_matches_titles_and_uses_the_author_count(
    session_factory, paper_factory
):
    paper_factory(arxiv_id="2611.00001", title="Same Title", authors=("A B",))
    paper_factory(arxiv_id="2611.00002", title="Same title", authors=("A B", "C D"))
    paper_factory(arxiv_id="2611.00003", title="Unique Title")
    text = (
        "Apr 3\n\nsame title\n\nx\n\n  • 2 authors\n·\nMar 1 4\n\n"
        "Unique Title\n\ny\n\n  • 9 authors\n·\nMar 2\n\n"
        "Unknown Title\n\nz\n\n  • 1 authors\n·\nMar 3\n"
    )
    with session_factory() as session:
        results = list(parse_page_dump(text, resolve_id=store_title_resolver(session)))
        assert session.scalar(select(Paper.arxiv_id).where(Paper.title == "Same Title"))
    assert [getattr(r, "arxiv_id", None) for r in results] == ["2611.00002", "2611.00003", None]
    assert results[0].upvotes == 4
    assert results[2].reason == NO_ID


def test_both_seed_dumps_parse_completely(shared_dir):
    counts = {}
    for path in sorted((shared_dir / "seeds").glob("*.txt")):
        cards = parse_cards(path.read_text())
        counts[path.name] = len(cards)
        assert path.read_text().count(" authors") == len(cards)
        assert all(c.title and c.abstract and c.published for c in cards)
    assert sum(counts.values()) == 71
