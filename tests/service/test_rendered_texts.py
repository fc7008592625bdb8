"""Titles and abstracts are rendered as HTML once, after they are written, and kept in
paper_html (text/paper_html.py, service/rendered_texts.py): pages read them from there and
show exactly what they showed when they rendered the text themselves; a changed text or an
older renderer's HTML is never shown."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from members import NOW
from paperfeed.app import create_app
from paperfeed.http.deps import get_now
from paperfeed.service import rendered_texts
from paperfeed.service.indexing import after_ingest
from paperfeed.service.papers import get_papers
from paperfeed.service.rendered_texts import render_missing
from paperfeed.store.db import session_scope
from paperfeed.store.html_models import PaperHtmlRow
from paperfeed.store.models import Paper
from paperfeed.text.paper_html import RENDER_VERSION, render

TITLE = r"Scaling $\alpha$-Attention <projektor>"
LONG = (r"We bound $\sum_i x_i^2$ for <projektor> inputs. " * 12).strip() + "\n\nA second part."


@pytest.fixture
def page_client(settings):
    """The app without the response cache: every request renders its page."""
    app = create_app(settings.model_copy(update={"response_cache_seconds": 0}))
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as client:
        yield client


def html_of(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    # the CSRF token and nonce differ per response; the rest must be byte-identical
    return re.sub(r'(nonce|value|content)="[A-Za-z0-9_\-]{20,}={0,2}"', r'\1="-"', r.text)


def stored(session, arxiv_id: str):
    """The paper's paper_html row (None if it has none)."""
    row = PaperHtmlRow
    return session.execute(
        select(row.title_html, row.excerpt_html, row.abstract_html, row.version, row.source_hash)
        .join(Paper, Paper.id == row.paper_id)
        .where(Paper.arxiv_id == arxiv_id)
    ).one_or_none()


def set_html(session, arxiv_id: str, **values) -> None:
    paper_id = session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
    session.execute(update(PaperHtmlRow).where(PaperHtmlRow.paper_id == paper_id).values(**values))


def test_pages_are_the_same_with_the_html_stored(paper_factory, session_factory, page_client):
    long_id = paper_factory(title=TITLE, abstract=LONG)
    short_id = paper_factory(title="Short one", abstract="Tiny abstract.")
    paths = [
        f"/papers/{long_id}",
        f"/papers/{short_id}",
        "/search?q=attention",
        "/?date=2026-11-20",
    ]
    before = [html_of(page_client, p) for p in paths]
    assert render_missing(session_factory) == 2
    with session_scope(session_factory) as s:
        views = get_papers(s, [long_id, short_id])
        title_html, excerpt_html, abstract_html, version, _hash = stored(s, long_id)
    assert version == RENDER_VERSION
    assert views[long_id].stored_html is not None
    assert views[long_id].html == render(TITLE, LONG)  # what the pages rendered themselves
    assert views[short_id].html.excerpt is None  # short: shown whole, no "Show more"
    assert "&lt;projektor&gt;" in title_html and "<projektor>" not in title_html
    assert "<math" in title_html and excerpt_html and len(abstract_html.split("\x1e")) == 2
    assert [html_of(page_client, p) for p in paths] == before
    assert render_missing(session_factory) == 0  # nothing left: a second run writes nothing


def test_a_changed_abstract_is_rendered_again(paper_factory, session_factory, page_client):
    arxiv_id = paper_factory(title="Stable title", abstract="The first abstract.", version=1)
    render_missing(session_factory)
    paper_factory(arxiv_id=arxiv_id, title="Stable title", abstract="A newer abstract.", version=2)
    with session_scope(session_factory) as s:
        assert stored(s, arxiv_id) is None  # the ingest deleted it
    page = page_client.get(f"/papers/{arxiv_id}").text
    assert "A newer abstract." in page and "The first abstract." not in page
    assert render_missing(session_factory) == 1
    with session_scope(session_factory) as s:
        assert stored(s, arxiv_id).abstract_html == "A newer abstract."
    # a new count from a source (not the text) keeps the stored HTML
    paper_factory(arxiv_id=arxiv_id, title="Stable title", abstract="A newer abstract.",
                  version=2, upvotes=40)  # fmt: skip
    with session_scope(session_factory) as s:
        assert stored(s, arxiv_id).version == RENDER_VERSION


def test_html_of_another_renderer_version_is_not_shown(paper_factory, session_factory, page_client):
    arxiv_id = paper_factory(title="Honest title", abstract="Honest abstract.")
    render_missing(session_factory)
    with session_scope(session_factory) as s:  # the pages show what is stored, not a render
        set_html(s, arxiv_id, title_html="<b>STORED</b>", abstract_html="<i>STORED</i>")
    page = page_client.get(f"/papers/{arxiv_id}").text
    assert "<b>STORED</b>" in page and "<i>STORED</i>" in page
    assert "<b>STORED</b>" in page_client.get("/search?q=honest").text  # the cards too
    with session_scope(session_factory) as s:  # made by another renderer: not shown
        set_html(s, arxiv_id, version=0)
    page = page_client.get(f"/papers/{arxiv_id}").text
    assert "STORED" not in page and "Honest abstract." in page
    assert render_missing(session_factory) == 1  # rendered again under the current version
    with session_scope(session_factory) as s:
        assert stored(s, arxiv_id).title_html == "Honest title"
        # made from another text (a write that raced the render): not shown either
        set_html(s, arxiv_id, title_html="<b>STORED</b>", source_hash="0" * 32)
    assert "STORED" not in page_client.get(f"/papers/{arxiv_id}").text


def test_a_stopped_run_is_completed_by_the_next(paper_factory, session_factory, monkeypatch):
    ids = [paper_factory() for _ in range(7)]
    monkeypatch.setattr(rendered_texts, "BATCH", 3)
    calls = 0
    real = rendered_texts.render

    def crash_in_third_batch(title, abstract):
        nonlocal calls
        calls += 1
        if calls == 7:
            raise RuntimeError("killed")
        return real(title, abstract)

    monkeypatch.setattr(rendered_texts, "render", crash_in_third_batch)
    with pytest.raises(RuntimeError):
        render_missing(session_factory)
    with session_scope(session_factory) as s:
        done = [a for a in ids if stored(s, a) is not None]
    assert done == ids[:6]  # two whole batches committed, the third not at all
    monkeypatch.setattr(rendered_texts, "render", real)
    assert render_missing(session_factory) == 1


def test_after_ingest_renders_the_new_papers(paper_factory, settings, engine, session_factory):
    paper_factory(title=TITLE, abstract=LONG)
    done = after_ingest(settings, engine, session_factory)
    assert done.rendered == 1 and done.render_error is None
    assert done.messages() == []  # the ingest's summary stays one line: only a failure shows
    broken = after_ingest(settings, engine, None)  # no sessions: the step fails, reported
    assert broken.render_error and broken.messages()[0][1] is True
