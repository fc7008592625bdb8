"""Every process embeds search queries with the same embedder, the runtime's: the web app,
``paperfeed search`` and the digest runner (whose topic queries were once embedded by torch
while the web used ONNX Runtime)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from digest_helpers import DAY, NOW, PERIOD, subscribe_confirmed

from meaning_corpus import PAPERS
from paperfeed.app import create_app
from paperfeed.cli.common import open_runtime
from paperfeed.digest.runner import send_digests
from paperfeed.embed.job import embed_missing
from paperfeed.embed.query import onnx_available, query_embedder_of
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_vector_index

pytestmark = pytest.mark.semantic


def test_the_web_the_cli_search_and_the_digest_share_one_query_embedder(
    settings, engine, session_factory, paper_factory, real_embedder
):
    for n, (arxiv_id, (title, abstract)) in enumerate(PAPERS.items()):
        paper_factory(
            arxiv_id=arxiv_id,
            title=title,
            abstract=abstract,
            feed_day=DAY,
            published_at=datetime(2026, 11, 18, tzinfo=UTC),
            submitted_at=datetime(2026, 11, 19, 9, n, tzinfo=UTC),
        )
    embed_missing(session_factory, real_embedder)
    sync_vector_index(settings, engine, real_embedder.name)
    subscribe_confirmed(session_factory, "bio@example.org", topic="protein folding")
    settings = settings.model_copy(update={"semantic_search": True})

    app = create_app(settings)
    web = app.state.semantic.embedder
    app.state.runtime.close()
    with open_runtime(settings) as runtime:  # what `paperfeed search` opens
        by_cli = runtime.semantic.embedder
    with Runtime.open(settings) as runtime:
        report = send_digests(
            runtime, cadence="daily", period=PERIOD, dry_run=True, clock=lambda: NOW
        )
        by_digest = runtime.semantic.embedder
    assert report.sent == 1, report.summary()  # would send: the dry run counts
    assert by_digest.loaded  # the digest embedded its topic query with the runtime's embedder
    assert type(web) is type(by_cli) is type(by_digest) is type(query_embedder_of(settings))
    if onnx_available():  # the bundled model on the CPU: ONNX Runtime, not torch
        assert by_digest.runtime == "onnx"
