"""The response cache: reused while the data version holds, refreshed by any paper write."""

from datetime import UTC, datetime

from sqlalchemy import insert, update

from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange


def test_cached_page_is_reused_until_a_paper_changes(client, paper_factory, session_factory):
    arxiv_id = paper_factory(title="Original title")
    first = client.get(f"/papers/{arxiv_id}")
    assert "Original title" in first.text
    # A write that skips the change sequence is invisible to the cache: the page is reused.
    with session_scope(session_factory) as s:
        s.execute(update(Paper).values(title="Silently changed"))
    assert "Original title" in client.get(f"/papers/{arxiv_id}").text
    # Appending to the change sequence (as every real write does) refreshes it.
    with session_scope(session_factory) as s:
        paper_id = s.query(Paper.id).scalar()
        s.execute(insert(PaperChange).values(paper_id=paper_id, changed_at=datetime.now(UTC)))
    assert "Silently changed" in client.get(f"/papers/{arxiv_id}").text


def test_requests_with_cookies_are_never_served_from_cache(client, paper_factory, session_factory):
    arxiv_id = paper_factory(title="Original title")
    client.get(f"/papers/{arxiv_id}")
    with session_scope(session_factory) as s:
        s.execute(update(Paper).values(title="Silently changed"))
    fresh = client.get(f"/papers/{arxiv_id}", headers={"Cookie": "session=abc"})
    assert "Silently changed" in fresh.text


def test_etag_revalidation_answers_304(client, paper_factory):
    arxiv_id = paper_factory()
    first = client.get(f"/api/papers/{arxiv_id}")
    etag = first.headers["etag"]
    again = client.get(f"/api/papers/{arxiv_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_errors_are_not_cached(client, paper_factory):
    assert client.get("/papers/2611.99999").status_code == 404
    paper_factory(arxiv_id="2611.99999")
    assert client.get("/papers/2611.99999").status_code == 200


def test_version_probe_replaces_a_broken_connection(engine, paper_factory):
    from paperfeed.http.cache import VersionProbe

    probe = VersionProbe(engine)
    assert probe() == 0
    paper_factory()
    assert probe() == 1  # autocommit: sees the newer commit
    probe.conn.driver_connection.close()  # the server (or a restart) dropped it
    assert probe() == 1
    probe.close()
