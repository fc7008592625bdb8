"""User query parsing: pure, bounded, never raises."""

from __future__ import annotations

import pytest

from paperfeed.search.query import MAX_UNITS, normalize_category, parse_query
from paperfeed.search.tantivy_index import EN_STEM, PLAIN


def test_parse_query_splits_words_and_phrases():
    q = parse_query('Diffusion "Latent Video model" -- title:GAN')
    assert q.words == ("diffusion", "title", "gan")
    assert q.phrases == (("latent", "video", "model"),)


def test_parse_query_one_word_phrase_is_a_word_and_duplicates_drop():
    q = parse_query('"bert" bert BERT')
    assert q.words == ("bert",) and q.phrases == ()


def test_parse_query_unbalanced_quote_reads_as_words():
    q = parse_query('"graph neural "networks" x')
    assert q.phrases == (("graph", "neural"),)
    assert q.words == ("networks", "x")


def test_parse_query_is_bounded():
    q = parse_query(" ".join(f"w{i}" for i in range(10_000)))
    assert len(q.units) == MAX_UNITS


@pytest.mark.parametrize("text", [None, "", "  ", "😀", '""', "*:()-\\"])
def test_parse_query_without_words_is_empty(text):
    assert parse_query(text).is_empty


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("cs.cl", "cs.CL"),
        ("CS.LG", "cs.LG"),
        ("astro-ph.co", "astro-ph.CO"),
        ("Physics.Comp-Ph", "physics.comp-ph"),
        ("cond-mat.MES-HALL", "cond-mat.mes-hall"),
        ("HEP-TH", "hep-th"),
        (" math.ag ", "math.AG"),
        ("not a category!", "not a category!"),
    ],
)
def test_normalize_category(typed, canonical):
    assert normalize_category(typed) == canonical


def test_query_analyzers_mirror_the_index_tokenizers():
    # en_stem and default are tantivy built-ins; the query side rebuilds them.
    assert EN_STEM.analyze("Running Models") == ["run", "model"]
    assert PLAIN.analyze("Running Models") == ["running", "models"]
