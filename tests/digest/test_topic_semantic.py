"""Topic digests with search by meaning (the real model): a paper that shares no word with
the topic is found by meaning, and unrelated papers are not, so a topic can still match
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from digest_helpers import DAY, NOW, PERIOD, outbox, subscribe_confirmed

from meaning_corpus import PAPERS
from paperfeed.digest.runner import send_digests
from paperfeed.embed.job import embed_missing
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_vector_index

pytestmark = pytest.mark.semantic


def test_topic_digest_by_meaning(
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
            upvotes=10 + n,
        )
    embed_missing(session_factory, real_embedder)
    sync_vector_index(settings, engine, real_embedder.name)
    subscribe_confirmed(session_factory, "bio@example.org", topic="protein folding")
    subscribe_confirmed(session_factory, "qcd@example.org", topic="quark gluon plasma lattice QCD")
    settings = settings.model_copy(update={"semantic_search": True})
    with Runtime.open(settings) as runtime:
        report = send_digests(runtime, cadence="daily", period=PERIOD, clock=lambda: NOW)
    assert (report.sent, report.skipped) == (1, 1), report.summary()
    [message] = inbox.wait(1)
    text = message.get_body(("plain",)).get_content()
    assert "tertiary structure" in text  # by meaning: no word in common
    assert "Folding laundry" in text  # by the word "folding"
    assert "join ordering" not in text and "speech recognition" not in text
    assert "image synthesis" not in text
    assert outbox(session_factory)["qcd@example.org"][0] == "skipped"
