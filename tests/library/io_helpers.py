"""What the import/export tests share: a fake arXiv API on 127.0.0.1 that answers ``id_list``
queries for the papers it knows, reference files in the three formats, and table counts."""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))  # fake_server

from fake_server import FakeServer, Reply, Request  # noqa: E402

from paperfeed.store.library_models import Collection, CollectionItem  # noqa: E402
from paperfeed.store.models import Paper  # noqa: E402

API_PATH = "/api/query"


class FakeArxiv:
    """Answers ``/api/query?id_list=...`` with an Atom entry for each id in ``known``."""

    def __init__(self):
        self.server = FakeServer()
        self.known: dict[str, str] = {}  # bare id -> title
        self.down = False
        self.server.script(API_PATH, self._answer)

    @property
    def url(self) -> str:
        return f"{self.server.url}{API_PATH}"

    @property
    def asked(self) -> list[str]:
        return [i for r in self.server.requests for i in r.params["id_list"].split(",")]

    def _answer(self, request: Request) -> Reply:
        if self.down:
            return Reply(503, b"down for maintenance")
        entries = "".join(
            self._entry(i, self.known[i]) for i in request.params["id_list"].split(",")
            if i in self.known
        )  # fmt: skip
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:arxiv="http://arxiv.org/schemas/atom">{entries}</feed>'
        )
        return Reply(body=body.encode(), headers={"Content-Type": "application/atom+xml"})

    @staticmethod
    def _entry(arxiv_id: str, title: str) -> str:
        return (
            f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
            "<updated>2026-11-18T10:00:00Z</updated><published>2026-11-18T10:00:00Z</published>"
            f"<title>{escape(title)}</title><summary>About {escape(title)}.</summary>"
            "<author><name>Grace Hopper</name></author>"
            '<arxiv:primary_category term="cs.LG"/><category term="cs.LG"/></entry>'
        )

    def close(self) -> None:
        self.server.close()


def bibtex_file(*entries: str) -> bytes:
    return "\n\n".join(entries).encode()


def counts(sessions) -> dict[str, int]:
    """Rows of the tables an import writes."""
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Paper, Collection, CollectionItem)
        }


def item_rows(sessions) -> list[tuple]:
    with sessions() as session:
        return sorted(
            session.execute(
                select(
                    CollectionItem.collection_id, CollectionItem.paper_id, CollectionItem.added_at
                )
            ).all()
        )
