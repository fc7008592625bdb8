"""The app builds one shared backend and syncs it at start-up."""

from __future__ import annotations

import threading

from paperfeed.service.search import search


def test_app_syncs_search_index_at_startup(settings, paper_factory, backend):
    from fastapi.testclient import TestClient

    from paperfeed.app import create_app

    pid = paper_factory(title="Startup sync")
    app = create_app(settings)
    with TestClient(app):
        assert app.state.search.name == ("tantivy" if backend == "sqlite" else "postgresql")
        if backend == "sqlite":
            assert app.state.search.num_docs() == 1
        with app.state.sessions() as session:
            assert [p.arxiv_id for p in search(session, app.state.search, "startup").papers] == [
                pid
            ]


def test_backend_is_safe_to_share_between_threads(index, session_factory, paper_factory):
    made = {paper_factory(title=f"Threaded search {i}") for i in range(3)}
    errors: list[BaseException] = []
    seen: set[str] = set()

    def reader():
        try:
            for _ in range(30):
                with session_factory() as session:
                    seen.update(p.arxiv_id for p in search(session, index, "threaded").papers)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    made |= {paper_factory(title=f"Threaded search late {i}") for i in range(5)}
    for t in threads:
        t.join()
    assert not errors, errors
    assert made >= seen >= made - {max(made)}  # a late paper may be found, none invented
    with session_factory() as session:
        assert {p.arxiv_id for p in search(session, index, "threaded").papers} == made
