"""The pages' ``urlencode`` filter gives Jinja's output exactly (web/url_quote.py)."""

from __future__ import annotations

import random
import string

import pytest
from jinja2.filters import do_urlencode
from markupsafe import Markup

from paperfeed.settings import Settings
from paperfeed.web.templating import make_templates
from paperfeed.web.url_quote import urlencode

TEXTS = [
    "",
    "plain",
    "two words",
    "/search?q=diffusion models&mode=hybrid#paper-2406.12345",
    "a+b=c&d=e",
    "100% ~fine_. -",
    "Müller, José",
    "李 小龙",
    "emoji 😀 here",
    "quote\"s and 'apostrophes' <tags>",
    "tab\tnew\nline\r",
    "\x00\x7f",
    Markup("<b>markup</b> & more"),
    *("".join(random.Random(k).choices(string.printable, k=40)) for k in range(200)),
    *("".join(chr(random.Random(k).randrange(0, 0x2FF)) for _ in range(12)) for k in range(100)),
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_string_is_quoted_as_jinja_quotes_it(text):
    assert urlencode(text) == do_urlencode(text)


@pytest.mark.parametrize(
    "value",
    [
        {"q": "diffusion models", "author": "José Müller"},
        {"next": "/search?q=a b&mode=hybrid#paper-1"},
        [("q", "x/y"), ("p", 2)],
        [("k", b"bytes \xff"), (b"raw", "v")],
        (pair for pair in [("q", "généré"), ("a", "b")]),  # any iterable of pairs
        {},
        {1: None, 2.5: True},
    ],
)
def test_a_query_is_encoded_as_jinja_encodes_it(value):
    if not isinstance(value, (dict, list)):
        value = list(value)
        assert urlencode(iter(value)) == do_urlencode(value)
    assert urlencode(value) == do_urlencode(value)


def test_other_values():
    for value in (42, 2.5, None, True):
        assert urlencode(value) == do_urlencode(value)


def test_the_templates_use_it():
    assert make_templates(Settings(_env_file=None)).env.filters["urlencode"] is urlencode
