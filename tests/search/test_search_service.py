"""Keyword search through the service, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.errors import InvalidInput
from paperfeed.search import sync_search_index


def test_search_title_match_outranks_abstract_only_match(paper_factory, ids):
    # Realistic abstracts: a paper about a topic also discusses it in its abstract.
    abstract_only = paper_factory(
        title="A study of learning-rate schedules",
        abstract="We compare learning-rate schedules for convolutional networks on image "
        "benchmarks. One appendix experiment also trains transformers for the translation "
        "of text, with the same findings.",
    )
    in_title = paper_factory(
        title="Transformers for translation",
        abstract="We train transformers for the translation of news text between English and "
        "German and compare them with recurrent baselines.",
    )
    assert ids("transformers translation") == [in_title, abstract_only]


def test_search_more_matching_words_rank_first(paper_factory, ids):
    one = paper_factory(
        title="Graph networks", abstract="Message passing on graphs for node classification."
    )
    both = paper_factory(
        title="Graph networks for molecules",
        abstract="Message passing networks on the graphs of molecules predict their properties.",
    )
    paper_factory(title="Unrelated", abstract="Nothing here.")
    assert ids("graph molecules") == [both, one]


def test_search_stems_english_words(paper_factory, ids):
    pid = paper_factory(title="Running language models", abstract="")
    assert ids("run model") == [pid]


def test_search_matches_author_names(paper_factory, ids):
    pid = paper_factory(title="Something", authors=("Grace Hopper",))
    paper_factory(title="Other")
    assert ids("hopper") == [pid]


def test_search_quoted_phrase_needs_adjacent_words(paper_factory, ids):
    phrase = paper_factory(title="Latent diffusion model for video")
    apart = paper_factory(title="A model of heat diffusion")
    assert set(ids("diffusion model")) == {phrase, apart}
    assert ids('"diffusion model"') == [phrase]
    assert ids('"Diffusion Models"') == [phrase]  # analysed like the index: case, stemming


def test_search_phrase_and_word_are_or_ed(paper_factory, ids):
    phrase = paper_factory(title="Latent diffusion model")
    word = paper_factory(title="Protein folding")
    assert set(ids('"diffusion model" protein')) == {phrase, word}


def test_search_paging_and_total(paper_factory, find):
    made = [paper_factory(title=f"Sparse attention {i}", upvotes=i) for i in range(5)]
    first = find("attention", limit=2)
    assert first.total == 5 and len(first.papers) == 2
    rest = find("attention", limit=2, offset=2).papers + find("attention", limit=2, offset=4).papers
    seen = [p.arxiv_id for p in first.papers + rest]
    assert sorted(seen) == sorted(made)
    beyond = find("attention", offset=10)
    assert beyond.papers == [] and beyond.total == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("2611.00001", "2611.00001"),
        ("2611.00001v3", "2611.00001"),
        ("arXiv:2611.00001", "2611.00001"),
        ("https://arxiv.org/abs/2611.00001", "2611.00001"),
        ("https://arxiv.org/pdf/2611.00001v2.pdf", "2611.00001"),
        ("https://huggingface.co/papers/2611.00001", "2611.00001"),
        ("  2611.00001  ", "2611.00001"),
    ],
)
def test_search_arxiv_id_goes_straight_to_the_paper(paper_factory, find, query, expected):
    paper_factory(arxiv_id="2611.00001", title="Target")
    paper_factory(title="Mentions 2611.00001 in its title")
    results = find(query)
    assert results.exact_id == expected
    assert [p.arxiv_id for p in results.papers] == [expected]
    assert results.total == 1


def test_search_unknown_arxiv_id_is_a_plain_search(paper_factory, find):
    paper_factory(title="Something else")
    results = find("2612.99999")
    assert results.exact_id is None and results.papers == []


def test_search_hidden_paper_id_is_not_an_exact_match(paper_factory, hide, find):
    pid = paper_factory(title="Secret")
    hide(pid)
    results = find(pid)
    assert results.exact_id is None and results.papers == []


def test_search_filters_by_published_date(paper_factory, ids):
    jan = paper_factory(title="Robots in January", published_at=datetime(2024, 1, 15, tzinfo=UTC))
    feb = paper_factory(title="Robots in February", published_at=datetime(2024, 2, 1, tzinfo=UTC))
    late = paper_factory(title="Robots late", published_at=datetime(2024, 2, 1, 23, 59, tzinfo=UTC))
    assert set(ids("robots", date_from=date(2024, 2, 1))) == {feb, late}
    assert ids("robots", date_to=date(2024, 1, 31)) == [jan]
    assert set(ids("robots", date_from=date(2024, 1, 15), date_to=date(2024, 2, 1))) == {
        jan,
        feb,
        late,
    }
    assert ids("robots", date_from=date(2024, 3, 1)) == []


def test_search_filters_by_any_category_in_any_case(paper_factory, ids):
    cl = paper_factory(title="Parsing text", categories=("cs.CL", "cs.LG"))
    lg = paper_factory(title="Parsing graphs", categories=("cs.LG",))
    ph = paper_factory(title="Parsing spectra", categories=("physics.comp-ph",))
    assert ids("parsing", category="cs.CL") == [cl]
    assert set(ids("parsing", category="cs.lg")) == {cl, lg}
    assert ids("parsing", category="Physics.Comp-Ph") == [ph]
    assert ids("parsing", category="cs.XX") == []


def test_search_filters_by_author_tokens_any_case(paper_factory, ids):
    ada = paper_factory(title="Engines", authors=("Ada Lovelace", "Charles Babbage"))
    alan = paper_factory(title="Engines too", authors=("Alan Turing",))
    assert ids("engines", author="lovelace") == [ada]
    assert ids("engines", author="ALAN turing") == [alan]
    assert ids("engines", author="Turing, Alan") == [alan]
    assert ids("engines", author="grace") == []
    assert set(ids("engines", author="  !! ")) == {ada, alan}  # nothing searchable: unset


def test_search_filters_combine(paper_factory, ids):
    want = paper_factory(
        title="Speech",
        categories=("eess.AS",),
        authors=("Ada Lovelace",),
        published_at=datetime(2024, 5, 5, tzinfo=UTC),
    )
    paper_factory(
        title="Speech", categories=("eess.AS",), published_at=datetime(2023, 5, 5, tzinfo=UTC)
    )
    paper_factory(
        title="Speech", categories=("cs.SD",), published_at=datetime(2024, 5, 5, tzinfo=UTC)
    )
    got = ids("speech", category="eess.AS", author="ada", date_from=date(2024, 1, 1))
    assert got == [want]


def test_search_hidden_and_deleted_papers_are_never_returned(
    paper_factory, hide, remove, ids, settings, engine
):
    keep = paper_factory(title="Quantum error correction")
    hidden = paper_factory(title="Quantum error correction again")
    gone = paper_factory(title="Quantum error correction once more")
    assert len(ids("quantum")) == 3  # indexed
    hide(hidden)
    remove(gone)
    assert ids("quantum") == [keep]  # before any explicit sync
    sync_search_index(settings, engine)
    assert ids("quantum") == [keep]


def test_search_sees_papers_written_after_the_backend_opened(paper_factory, ids):
    assert ids("topology") == []
    pid = paper_factory(title="Topology of loss landscapes")
    assert ids("topology") == [pid]


def test_search_sees_updated_text(paper_factory, ids):
    pid = paper_factory(arxiv_id="2611.00042", title="Old words", version=1)
    assert ids("old") == [pid]
    paper_factory(arxiv_id="2611.00042", title="New title", version=2)
    assert ids("old") == []
    assert ids("new") == [pid]


def test_search_rejects_bad_paging_and_dates(paper_factory, find):
    with pytest.raises(InvalidInput):
        find("x", limit=0)
    with pytest.raises(InvalidInput):
        find("x", offset=-1)
    with pytest.raises(InvalidInput, match="after"):
        find("x", date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


NASTY = [
    "",
    " ",
    '"',
    '""',
    '"""',
    '"unbalanced quote',
    'phrase" with "odd quotes"',
    "*",
    "**:**",
    "AND(",
    "AND OR NOT",
    "(a OR b) AND -c",
    "-",
    "--model",
    ":",
    "title:",
    "title:diffusion",
    "abstract:(foo",
    "field:[1 TO 2]",
    "foo^3 bar~2",
    "\\",
    "\\\\\\",
    'back\\slash\\"quote',
    "'single' 'quotes",
    "x" * 10_000,
    "model " * 5_000,
    " ".join(f"w{i}" for i in range(2_000)),
    "😀🔥🚀",
    "diffusion 😀 model",
    "变压器 模型",
    "Трансформеры для перевода",
    "نموذج الانتشار",
    "the of and a",
    "!!! ??? ... ,,,",
    "<script>alert(1)</script>",
    "'; DROP TABLE papers; --",
    "%_%",
    "\x00\x01\x02 nul",
    "a\nb\tc",
    "ß ǅ ﬁ İ",
    "e\u0301cole",
    "&|!<->",
    "a:*",
    "123",
    "2611.0",
    "https://arxiv.org/abs/not-an-id",
    "$$ \\frac{a}{b} $$",
]


@pytest.mark.parametrize("query", NASTY)
def test_search_any_user_string_is_safe(paper_factory, find, query):
    paper_factory(title="Diffusion model for translation", abstract="The model of the world.")
    results = find(query)
    assert isinstance(results.papers, list)
    assert results.total >= len(results.papers)
    if not query.strip():
        assert results.papers == [] and results.total == 0


@pytest.mark.parametrize("query", ["", "   ", "😀", "!!!", '""', "*"])
def test_search_query_without_words_gives_no_results(paper_factory, find, query):
    paper_factory(title="Anything")
    results = find(query)
    assert results.papers == [] and results.total == 0 and results.exact_id is None


def test_postgresql_common_queries_rank_the_newest_matches(
    backend, paper_factory, ids, monkeypatch
):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's bounded ranking")
    from paperfeed.search import postgres_fts

    monkeypatch.setattr(postgres_fts, "RANK_CAP", 2)
    monkeypatch.setattr(postgres_fts, "CANDIDATES", 2)
    made = [paper_factory(title=f"Common word {i}") for i in range(4)]
    assert ids("common") == made[:1:-1]  # only the two newest matches were ranked
    older = [paper_factory(title="rare") for _ in range(3)]
    assert ids("rare zebra") == older[:0:-1]  # OR-only candidates: bounded the same way
