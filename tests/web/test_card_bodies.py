"""A card's body is rendered once per content (web/card_bodies.py): kept while the fields it
shows are the same, rendered anew as soon as any of them changes, and the same HTML as a
card rendered whole."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import UTC, datetime

from paperfeed.service.views import OrganizationView, PaperView
from paperfeed.settings import Settings
from paperfeed.web.card_bodies import TEMPLATE, CardBodies
from paperfeed.web.templating import TEMPLATES, make_templates

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PAPER = PaperView(
    arxiv_id="2612.00001",
    version=1,
    title="Scaling $\\alpha$-Attention <projektor>",
    abstract="We study attention. " * 40 + "See https://example.org/x and \\emph{more}.",
    authors=("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"),
    categories=("cs.CL",),
    comments=None,
    journal_ref=None,
    doi=None,
    published_at=datetime(2026, 11, 30, tzinfo=UTC),
    updated_at=None,
    github_repo="https://github.com/example/alpha",
    github_stars=1200,
    project_page="https://example.org/alpha",
    upvotes=3,
    num_comments=1,
    feed_day=None,
    submitted_at=None,
    submitted_by="ada",
    organization=OrganizationView(name="example", fullname="Example Lab"),
)


def bodies() -> CardBodies:
    env = make_templates(Settings(_env_file=None)).env
    return CardBodies(env)


def test_a_body_is_kept_while_its_fields_stay_the_same():
    kept = bodies()
    first = kept.body(PAPER, NOW)
    assert kept.body(replace(PAPER), NOW) is first  # an equal view from another read
    # fields the body does not show leave it kept
    assert kept.body(replace(PAPER, upvotes=99, comments="10 pages"), NOW) is first
    assert "&lt;projektor&gt;" in first and "<projektor>" not in first
    assert "<math" in first  # the title's formula as MathML


def test_any_shown_field_changing_renders_the_body_again():
    kept = bodies()
    first = kept.body(PAPER, NOW)
    assert "1 comment<" in first
    again = kept.body(replace(PAPER, num_comments=2), NOW)
    assert "2 comments<" in again and "1 comment<" not in again
    assert "Featured" in kept.body(replace(PAPER, featured=True), NOW)
    assert "Other Lab" in kept.body(
        replace(PAPER, organization=OrganizationView(name="other", fullname="Other Lab")), NOW
    )
    # a date within the current year has no year; in the next year the body says it
    assert ">Nov 30<" in first
    assert ">Nov 30, 2026<" in kept.body(PAPER, datetime(2027, 1, 2, tzinfo=UTC))


# Properties of the view the template reads, and the fields they are made from.
DERIVED = {"html": ("title", "abstract")}


def test_every_field_the_body_template_reads_is_in_the_key():
    """The key lists the fields by hand: a field the template starts to read must be added,
    or its change would not show. Every ``paper.<field>`` of the template, changed alone,
    must give another body."""
    source = (TEMPLATES / TEMPLATE).read_text()
    read = set(re.findall(r"paper\.(\w+)", source))
    read = (read - set(DERIVED)).union(*(DERIVED[name] for name in read & set(DERIVED)))
    names = {f.name for f in fields(PaperView)}
    assert read and read <= names, read - names
    kept = bodies()
    first = kept.body(PAPER, NOW)
    other = {
        "arxiv_id": "2612.00002",
        "title": "Another title",
        "abstract": "Short.",
        "authors": ("Someone Else",),
        "published_at": datetime(2026, 1, 5, tzinfo=UTC),
        "thumbnail": "https://example.org/t.png",
        "featured": True,
        "github_repo": "https://github.com/example/beta",
        "github_stars": 7,
        "project_page": "https://example.org/beta",
        "organization": None,
        "num_comments": 0,
        "submitted_by": "bob",
    }
    assert read <= set(other), read - set(other)
    for name in read:
        changed = kept.body(replace(PAPER, **{name: other[name]}), NOW)
        assert changed != first, name


def test_cards_on_a_page_match_a_whole_render(client, paper_factory):
    """Search cards with kept bodies: a second view (bodies kept) is byte for byte the first
    (bodies rendered), with the response cache off."""
    paper_factory(title="Kept bodies in search")
    url = "/search?q=kept+bodies&mode=keyword"
    first = client.get(url)
    assert first.status_code == 200
    assert '<div class="card-body">\n    <h3 class="card-title">' in first.text
    assert "Kept bodies in search" in first.text
    assert client.get(url).text == first.text
