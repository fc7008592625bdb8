"""Reading reference files as Zotero, Mendeley, Google Scholar and JabRef write them: where
each puts the arXiv id and DOI, LaTeX in titles, the format detected, and the limits on
size, entries and fields (pure functions, no database)."""

from __future__ import annotations

import json

import pytest

from paperfeed.errors import InvalidInput
from paperfeed.library.identifiers import arxiv_id_in, normalise_doi, title_key
from paperfeed.library.reference_readers import parse_file
from paperfeed.library.references import ImportLimits, TooLarge

LIMITS = ImportLimits()

ZOTERO_BIB = rb"""
@misc{vaswani_attention_2023,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	year = {2023},
	note = {arXiv:1706.03762 [cs]},
	keywords = {Computer Science - Computation and Language},
}
"""
SCHOLAR_BIB = rb"""@article{devlin2018bert,
  title={Bert: Pre-training of deep bidirectional transformers for language understanding},
  author={Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and Toutanova, Kristina},
  journal={arXiv preprint arXiv:1810.04805},
  year={2018}
}"""
MENDELEY_BIB = rb"""@article{He2016,
archivePrefix = {arXiv},
arxivId = {1512.03385},
author = {He, Kaiming},
doi = {10.1109/CVPR.2016.90},
eprint = {1512.03385},
title = {{Deep Residual Learning for Image Recognition}},
year = {2016}
}"""
JOURNAL_BIB = rb"""@article{k, title={J{\"u}rgen's na\"{\i}ve {GAN}s}, journal={Nature},
  doi={https://doi.org/10.1038/S41586-021-03819-2}, eprint={not-an-id}, eprinttype={pubmed}}"""
ZOTERO_RIS = b"""TY  - PREP
TI  - Deep Residual Learning for Image Recognition
AU  - He, Kaiming
DO  - 10.48550/arXiv.1512.03385
UR  - http://arxiv.org/abs/1512.03385
N1  - arXiv:1512.03385 [cs]
ER  -

TY  - JOUR
T1  - A journal paper
DO  - 10.1038/nature14539
ER  -
"""
CSL = [
    {
        "id": "http://zotero.org/users/1/items/ABC",
        "type": "article",
        "title": "Mamba: Linear",
        "number": "arXiv:2312.00752",
        "URL": "http://arxiv.org/abs/2312.00752",
    },
    {
        "id": "scholar",
        "type": "article-journal",
        "title": "Deep learning",
        "DOI": "10.1038/nature14539",
    },
]


def _refs(data: bytes, fmt=None):
    parsed = parse_file(data, fmt, LIMITS)
    return parsed.format, [(r.label, r.arxiv_id, r.doi, r.title) for r in parsed.references]


def test_zotero_google_scholar_and_mendeley_bibtex():
    data = ZOTERO_BIB + SCHOLAR_BIB + b"\n" + MENDELEY_BIB
    fmt, refs = _refs(data)
    assert fmt == "bibtex"
    assert refs == [
        (
            "vaswani_attention_2023",
            "1706.03762",
            "10.48550/arxiv.1706.03762",
            "Attention Is All You Need",
        ),
        (
            "devlin2018bert",
            "1810.04805",
            None,
            "Bert: Pre-training of deep bidirectional transformers for language understanding",
        ),
        (
            "He2016",
            "1512.03385",
            "10.1109/cvpr.2016.90",
            "Deep Residual Learning for Image Recognition",
        ),
    ]


def test_a_journal_entry_has_its_doi_and_a_readable_title_but_no_arxiv_id():
    _, [(label, arxiv_id, doi, title)] = _refs(JOURNAL_BIB)
    assert (arxiv_id, doi) == (None, "10.1038/s41586-021-03819-2")
    assert title == "Jürgen's naïve GANs"


def test_zotero_ris_and_csl_json():
    assert _refs(ZOTERO_RIS) == (
        "ris",
        [
            (
                "Deep Residual Learning for Image Recognition",
                "1512.03385",
                "10.48550/arxiv.1512.03385",
                "Deep Residual Learning for Image Recognition",
            ),
            ("A journal paper", None, "10.1038/nature14539", "A journal paper"),
        ],
    )
    fmt, refs = _refs(json.dumps(CSL).encode())
    assert fmt == "csl-json"
    assert [r[1:3] for r in refs] == [("2312.00752", None), (None, "10.1038/nature14539")]
    assert _refs(json.dumps(CSL[0]).encode())[1][0][1] == "2312.00752"  # one bare item


@pytest.mark.parametrize(
    ("eprints", "texts", "expected"),
    [
        (["2401.00001v3"], [], "2401.00001"),
        (["hep-th/9901001"], [], "hep-th/9901001"),
        ([""], ["see https://arxiv.org/pdf/2401.00002v1.pdf"], "2401.00002"),
        ([], ["https://huggingface.co/papers/2401.00003"], "2401.00003"),
        ([], ["arXiv preprint arXiv:2401.00004,"], "2401.00004"),
        ([], ["10.48550/ARXIV.2401.00005"], "2401.00005"),
        ([], ["arXiv:math.GT/0309136"], "math.GT/0309136"),
        ([], ["Proceedings 2401.00006 pages"], None),  # a bare number in text is not an id
        (["12345"], ["no id here"], None),
    ],
)
def test_arxiv_ids_are_found_where_reference_managers_put_them(eprints, texts, expected):
    assert arxiv_id_in(eprints, texts) == expected


def test_dois_and_title_keys_are_normalised():
    assert normalise_doi("https://dx.doi.org/10.1000/ABC.def.") == "10.1000/abc.def"
    assert normalise_doi("doi: 10.1000/x") == "10.1000/x" and normalise_doi("none") is None
    assert title_key("{BERT}: Pre-Training, of Deep\nTransformers.") == title_key(
        "BERT - pre-training of deep transformers"
    )
    assert title_key("Jürgen") == title_key(r"J\"urgen".replace('\\"', "")) == "jurgen"


def test_an_explicit_format_that_does_not_fit_says_so():
    with pytest.raises(InvalidInput, match="No RIS entries found"):
        parse_file(SCHOLAR_BIB, "ris", LIMITS)
    with pytest.raises(InvalidInput, match="not valid JSON"):
        parse_file(SCHOLAR_BIB, "csl-json", LIMITS)
    with pytest.raises(InvalidInput, match="Unknown format"):
        parse_file(SCHOLAR_BIB, "endnote", LIMITS)
    with pytest.raises(InvalidInput, match="array of items"):
        parse_file(b'"just a string"', "csl-json", LIMITS)


def test_utf16_with_a_byte_order_mark_and_utf8_with_one_are_read():
    text = SCHOLAR_BIB.decode().replace("Bert", "Bért")
    for data in (text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        assert _refs(data)[1][0][3].startswith("Bért")


def test_field_and_title_limits_skip_the_entry_not_the_file():
    long_abstract = b"@misc{a, title={Fine}, abstract={" + b"x" * 20_001 + b"}}\n"
    long_title = b"@misc{b, title={" + b"y" * 1001 + b"}}\n"
    parsed = parse_file(long_abstract + long_title + SCHOLAR_BIB, None, LIMITS)
    assert [r.label for r in parsed.references] == ["devlin2018bert"]
    assert [(s.label, s.reason) for s in parsed.skipped] == [
        ("a", "field 'abstract' is longer than the limit (20,000 characters)"),
        ("b", "title is longer than 1,000 characters"),
    ]


def test_deeply_nested_json_is_a_clear_error_not_a_crash():
    with pytest.raises(InvalidInput, match="not valid JSON"):
        parse_file(b"[" * 100_000 + b"]" * 100_000, None, LIMITS)


def test_limits_count_entries_before_parsing():
    small = ImportLimits(max_entries=2, max_bytes=1000)
    with pytest.raises(TooLarge, match="has 3 entries; an import takes at most 2"):
        parse_file(ZOTERO_BIB + SCHOLAR_BIB + b"\n" + MENDELEY_BIB, None, small)
    with pytest.raises(TooLarge, match="is 1019 bytes; an import takes at most 1000 bytes"):
        parse_file(b"@misc{a, title={x}}" + b" " * 1000, None, small)
    assert TooLarge.status == 413
