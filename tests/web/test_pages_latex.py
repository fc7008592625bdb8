"""Math in titles and abstracts is typeset as MathML on the HTML surfaces (feed cards, paper
pages, search results, digest emails) and shown as readable text where only text goes
(<title>, meta description, RSS and Atom, the digest's text part); issue 13, both databases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import feedparser
import pytest

from paperfeed.digest import message as mail
from paperfeed.digest.subscriptions import Topic
from paperfeed.service.papers import get_paper
from paperfeed.service.periods import day_period

TITLE = "MVD$^2$: Efficient Multiview 3D Reconstruction"
PLAIN_TITLE = "MVD²: Efficient Multiview 3D Reconstruction"
ABSTRACT = (
    r"A na\"{\i}ve <projektor> costs $5 and $10, while PanGu-$\pi$ is"
    r" \emph{fast}: $\mathcal{O}(n^2)$ and $\frac{1}{$ stays."
)
PLAIN_ABSTRACT = (
    "A naïve <projektor> costs $5 and $10, while PanGu-π is fast: 𝒪(n²) and $\\frac{1}{$ stays."
)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False, "search_mode": "keyword"})


@pytest.fixture
def paper(paper_factory):
    return paper_factory(
        arxiv_id="2402.13939", title=TITLE, abstract=ABSTRACT, feed_day=date(2026, 11, 20)
    )


def maths(html: str) -> list[ET.Element]:
    """Every <math> element of the page, each parsed on its own (so it is well formed)."""
    return [ET.fromstring(m) for m in re.findall(r"<math\b.*?</math>", html, re.S)]


def assert_typeset(html: str) -> None:
    found = maths(html)
    assert any(m.find(".//msup/mn") is not None and m.find(".//msup/mn").text == "2" for m in found)
    assert any(m.findtext(".//mi") == "π" for m in found)
    assert all("style" not in el.attrib for m in found for el in m.iter())
    assert "MVD$^2$" not in html and r"\emph" not in html and r"na\"" not in html
    assert "&lt;projektor&gt;" in html and "<projektor>" not in html
    assert "costs $5 and $10" in html  # prices are not math
    assert r"$\frac{1}{$" in html  # broken LaTeX: its source, never an error or a blank


def title_tag(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_feed_card_typesets_math(client, paper):
    html = client.get("/papers", params={"date": "2026-11-20"}).text
    assert '<article class="card" id="paper-2402.13939"' in html
    assert_typeset(html)


def test_paper_page_typesets_math_and_its_title_tag_is_text(client, paper):
    html = client.get(f"/papers/{paper}").text
    bibtex = re.search(r'<pre id="bibtex".*?</pre>', html, re.S).group(0)
    assert "title = {MVD$^2$: Efficient" in bibtex  # BibTeX stays LaTeX
    assert_typeset(html.replace(bibtex, ""))
    assert title_tag(html).startswith(PLAIN_TITLE + " · ")
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    assert description.startswith("A naïve &lt;projektor&gt; costs $5 and $10, while PanGu-π")


def test_search_results_typeset_math_and_naive_finds_the_latex(client, paper):
    html = client.get("/search", params={"q": "naive"}).text
    assert "1 result for <q>naive</q>" in html
    assert_typeset(html)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feeds_carry_the_readable_text(client, paper, fmt):
    feed = feedparser.parse(client.get(f"/feeds/daily.{fmt}").content)
    (entry,) = feed.entries
    assert entry.title == PLAIN_TITLE
    assert "naïve" in entry.summary and "PanGu-π" in entry.summary
    assert "<math" not in entry.summary


def test_digest_email_has_mathml_in_html_and_text_in_the_text_part(settings, session, paper):
    items = mail.digest_items(settings, [get_paper(session, paper)])
    body = mail.render_body(
        settings,
        cadence="daily",
        period=day_period(date(2026, 11, 20)),
        topic=Topic(),
        items=items,
    )
    html = "".join(body.html)
    found = maths(html)
    assert any(m.find(".//msup") is not None for m in found)
    assert "&lt;projektor&gt;" in html and "MVD$^2$" not in html
    text = "".join(body.text)
    assert PLAIN_TITLE in text and "naïve <projektor>" in text
    assert "$^2$" not in text and "<math" not in text
