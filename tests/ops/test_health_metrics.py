"""/readyz, /healthz and /metrics of one app, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from members import NOW
from paperfeed.store.db import session_scope
from paperfeed.store.models import IngestRun


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": False})


def _sample(body: str, name: str, **labels) -> float | None:
    """The value of sample ``name`` with exactly ``labels`` in a scrape, or None."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def test_readyz_is_ready_then_names_the_command_when_a_migration_is_pending(client, engine):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"ready": True}
    assert r.headers["cache-control"] == "no-store"
    with engine.begin() as conn:  # as if the code had been upgraded but not the database
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["ready"] is False
    assert any("run `paperfeed db upgrade`" in p for p in r.json()["problems"])
    assert client.get("/healthz").json()["ok"] is False


def test_readyz_is_not_ready_outside_the_lifespan(app):
    from fastapi.testclient import TestClient

    client = TestClient(app)  # not entered: start-up has not run
    r = client.get("/readyz")
    assert r.status_code == 503 and "starting up or shutting down" in r.json()["problems"]


def test_metrics_count_requests_by_route_template(client, paper_factory):
    first, second = paper_factory(), paper_factory()
    before = client.get("/metrics").text
    route = "/api/papers/{paper_id:arxiv_id}"
    base = (
        _sample(before, "paperfeed_http_requests_total", method="GET", route=route, status="200")
        or 0
    )
    for arxiv_id in (first, second, first, first):  # the repeats are response-cache hits
        assert client.get(f"/api/papers/{arxiv_id}").status_code == 200
    client.get("/no/such/page")
    body = client.get("/metrics").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    got = _sample(body, "paperfeed_http_requests_total", method="GET", route=route, status="200")
    assert got == base + 4
    assert f'route="/api/papers/{first}"' not in body  # never one series per raw path
    assert _sample(
        body, "paperfeed_http_requests_total", method="GET", route="<unmatched>", status="404"
    )
    assert _sample(body, "paperfeed_http_request_duration_seconds_count", method="GET", route=route)
    assert "paperfeed_http_request_duration_seconds_bucket" in body


def test_metrics_report_store_figures(client, paper_factory, session_factory):
    paper_factory()
    paper_factory()
    with session_scope(session_factory) as s:
        s.add(IngestRun(source="oai", params_key="k", status="done", started_at=NOW,
                        finished_at=NOW + timedelta(minutes=1), added=2, updated=1, unchanged=0,
                        failed=1, failures=[]))  # fmt: skip
    client.get("/api/papers/search?q=paper")  # the keyword index catches up (SQLite)
    body = client.get("/metrics").text
    assert _sample(body, "paperfeed_database_up") == 1
    assert _sample(body, "paperfeed_papers") == 2
    assert _sample(body, "paperfeed_papers_embedded") == 0
    assert _sample(body, "paperfeed_ingest_runs", source="oai", status="done") == 1
    assert _sample(body, "paperfeed_ingest_records_total", source="oai", outcome="added") >= 2
    done = _sample(body, "paperfeed_ingest_last_success_timestamp_seconds", source="oai")
    assert done == (NOW + timedelta(minutes=1)).timestamp()
    assert _sample(body, "paperfeed_index_bytes", index="keyword") > 0
    assert _sample(body, "paperfeed_index_bytes", index="vector") is not None


def test_metrics_report_the_digest_outbox(client, session_factory):
    from paperfeed.store.digest_models import DigestOutbox, Subscription

    with session_scope(session_factory) as s:
        sub = Subscription(email="a@example.org", email_key="a@example.org", period="daily",
                           status="active", token_key="k" * 64, created_at=NOW)  # fmt: skip
        s.add(sub)
        s.flush()
        s.add_all(
            DigestOutbox(
                subscription_id=sub.id,
                period_key=key,
                status=status,
                created_at=NOW,
                sent_at=NOW if status == "sent" else None,
            )  # fmt: skip
            for key, status in [
                ("2026-11-18", "sent"),
                ("2026-11-19", "sent"),
                ("2026-11-20", "pending"),
            ]
        )
    body = client.get("/metrics").text
    assert _sample(body, "paperfeed_digest_outbox", status="sent") == 2
    assert _sample(body, "paperfeed_digest_outbox", status="pending") == 1
    assert _sample(body, "paperfeed_digest_last_sent_timestamp_seconds") == NOW.timestamp()
    assert _sample(body, "paperfeed_digest_subscriptions", period="daily", status="active") == 1


def test_the_paths_learned_for_route_labels_are_bounded_in_bytes():
    # Paths are the client's choice (issue 12 item 3's sibling): 2,000 distinct 4 kB paths
    # of one route would be 8 MB remembered under a bound by count alone.
    from types import SimpleNamespace

    from paperfeed.http.metrics import RequestMetrics

    metrics = RequestMetrics(app=None)
    route = SimpleNamespace(path="/papers/{arxiv_id:path}")
    for n in range(2000):
        path = f"/papers/{n}-" + "x" * 4000
        assert metrics.route_template({"path": path, "route": route}) == route.path
    assert metrics.learned_bytes <= RequestMetrics.LEARNED_BYTES
    assert metrics.learned_bytes == sum(len(p) + len(t) for p, t in metrics.learned.items())
    assert metrics.route_template({"path": path}) == route.path  # the newest is remembered
