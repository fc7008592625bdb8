"""The For you digest with search by meaning (the real model): the day's paper closest to
what the member saved comes first, says which saved paper it is close to, and that saved
paper's title (markup and all) is shown as text, never as HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from digest_helpers import DAY, PERIOD
from personal_helpers import mailed_ids, member, run

from meaning_corpus import PAPERS
from paperfeed.embed.job import embed_missing
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_vector_index

pytestmark = pytest.mark.semantic

SAVED_TITLE = "Protein <b>structure</b> prediction from sequence & co-evolution"


def test_for_you_digest_ranks_by_the_library_and_names_the_saved_paper(
    settings, engine, session_factory, paper_factory, real_embedder, inbox
):
    for n, (arxiv_id, (title, abstract)) in enumerate(PAPERS.items()):
        paper_factory(
            arxiv_id=arxiv_id,
            title=title,
            abstract=abstract,
            feed_day=DAY,
            published_at=datetime(2026, 11, 18, tzinfo=UTC),
            submitted_at=datetime(2026, 11, 19, 9, n, tzinfo=UTC),
            upvotes=5,
        )
    saved = paper_factory(
        arxiv_id="2610.00042",
        title=SAVED_TITLE,
        abstract="We predict how proteins fold into three-dimensional shapes from amino acids.",
        feed_day=DAY - timedelta(days=30),
        published_at=datetime(2026, 10, 19, tzinfo=UTC),
        upvotes=5,
    )
    embed_missing(session_factory, real_embedder)
    sync_vector_index(settings, engine, real_embedder.name)
    member(session_factory, "ada", saves=[saved])
    with Runtime.open(settings.model_copy(update={"semantic_search": True})) as runtime:
        report = run(runtime, PERIOD)
    assert report.sent == 1, report.summary()
    [message] = inbox.wait(1)
    ids = mailed_ids(message)
    assert ids[0] == "2611.00001" and saved not in ids  # closest first; the saved one never
    text = message.get_body(("plain",)).get_content()
    assert f"Close to “{SAVED_TITLE}”, which you saved" in text
    html = message.get_body(("html",)).get_content()
    assert (
        "Protein &lt;b&gt;structure&lt;/b&gt; prediction from sequence &amp; co-evolution" in html
    )
    assert "<b>structure</b>" not in html
