"""Search inside papers: the passages of their full text (``fulltext_passages``), best passage
per paper. PostgreSQL searches the table itself (a generated ``tsv`` column with a GIN index,
migration 0015); on SQLite a tantivy index of passages beside the keyword one is derived from
the table and catches up after writes (``paperfeed ingest fulltext``, ``index sync``, the web
app's start and its background sync), never inside a read. docs/fulltext.md.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import tantivy
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.search.query import ParsedQuery
from paperfeed.search.tantivy_index import EN_STEM, IndexBusy
from paperfeed.store.fulltext_models import FulltextPassage, PaperFulltext
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

SECTION_BOOST = 0.5  # a word in a heading counts, less than in the passage's text
OVERFETCH = 5  # passages read per paper wanted: several passages of one paper often match
SYNC_BATCH = 200
WRITER_HEAP = 30_000_000
_STATE = "applied_seq.json"
TSV_INDEX = "ix_fulltext_passages_tsv"  # PostgreSQL: migration 0015


@dataclass(frozen=True)
class PassageHit:
    """The best passage of one paper for a query."""

    arxiv_id: str
    section: str
    text: str
    score: float


class PassageIndex(Protocol):
    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[PassageHit]: ...

    def close(self) -> None: ...


def tsquery_text(query: ParsedQuery) -> str:
    """The query as ``to_tsquery`` input: units OR-ed, a phrase's words with ``<->``. Words
    are runs of letters and digits (``search.query.words_of``), so nothing needs quoting."""
    return " | ".join(
        f"({' <-> '.join(unit)})" if len(unit) > 1 else unit[0] for unit in query.units
    )


class PostgresPassageIndex:
    """Passages ranked by ``ts_rank_cd`` over the generated ``tsv`` column."""

    SQL = text(
        """
        SELECT arxiv_id, section, text, score FROM (
          SELECT p.arxiv_id, fp.section, fp.text, ts_rank_cd(fp.tsv, q.q) AS score,
                 row_number() OVER (PARTITION BY fp.paper_id
                                    ORDER BY ts_rank_cd(fp.tsv, q.q) DESC, fp.ord) AS best
          FROM fulltext_passages fp
          JOIN papers p ON p.id = fp.paper_id,
               (SELECT to_tsquery('english', :tsq) AS q) q
          WHERE fp.tsv @@ q.q AND NOT p.hidden
        ) ranked WHERE best = 1 ORDER BY score DESC, arxiv_id LIMIT :limit
        """
    )

    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[PassageHit]:
        if query.is_empty:
            return []
        rows = session.execute(self.SQL, {"tsq": tsquery_text(query), "limit": limit})
        return [PassageHit(a, s, t, float(score)) for a, s, t, score in rows]

    def rebuild(self, session: Session) -> int:
        """Rebuild the GIN index over ``tsv`` (``REINDEX``; the column is generated, always
        in step with the passages). One transaction: a crash keeps the old index, and
        meanwhile writes to the passages wait. Returns the papers it covers."""
        session.execute(text(f"REINDEX INDEX {TSV_INDEX}"))
        papers = select(func.count(func.distinct(FulltextPassage.paper_id)))
        return session.scalar(papers) or 0

    def close(self) -> None:
        pass


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("paper_id", stored=True, indexed=True, fast=True)
    sb.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("section", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("text", stored=True, tokenizer_name="en_stem")
    return sb.build()


class TantivyPassageIndex:
    """A tantivy index of passages in ``path``; ``sync()`` replays the ``paper_fulltext`` rows
    written since the last ``seq`` it applied (kept in a file beside the index, written after
    the index commit: a crash between the two replays a batch, which replaces, not adds)."""

    def __init__(self, path: Path, sessions: sessionmaker[Session]):
        self.path = path
        self.sessions = sessions
        self.schema = _schema()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        self.index.reload()

    def applied_seq(self) -> int:
        try:
            return int(json.loads((self.path / _STATE).read_text())["seq"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def _save_seq(self, seq: int) -> None:
        tmp = self.path / f".{_STATE}.tmp"
        tmp.write_text(json.dumps({"seq": seq}))
        os.replace(tmp, self.path / _STATE)

    def sync(self, *, rebuild: bool = False) -> int:
        """Apply every full-text write since the last sync; papers applied. ``rebuild``
        starts from scratch: the index is emptied and every row replayed. IndexBusy if
        another process is writing the index.

        From ``seq`` 0 (a rebuild, a new index, a lost state file) the first batch's commit
        also deletes every document, so a rebuild stopped half-way is resumable: the index
        then holds the batches replayed so far, the file their last ``seq``, and the next
        sync (any of them) goes on from there."""
        if rebuild:
            self._save_seq(0)  # before touching the index: a crash now still replays all
        applied, mark = 0, self.applied_seq()
        while True:
            with self.sessions() as session:
                rows = session.execute(
                    select(PaperFulltext.paper_id, PaperFulltext.seq, PaperFulltext.status)
                    .where(PaperFulltext.seq > mark)
                    .order_by(PaperFulltext.seq)
                    .limit(SYNC_BATCH)
                ).all()
                if not rows and not (rebuild and mark == 0):
                    return applied
                self._apply(session, rows, reset=mark == 0)
            if not rows:  # a rebuild of a site without full text: emptied
                return applied
            mark = rows[-1].seq
            self._save_seq(mark)
            applied += len(rows)

    def _apply(self, session: Session, rows, *, reset: bool = False) -> None:
        try:
            writer = self.index.writer(WRITER_HEAP, 1)
        except ValueError as exc:  # tantivy's lock: another writer has the index
            raise IndexBusy(f"the full-text index at {self.path} is being written: {exc}") from None
        if reset:
            writer.delete_all_documents()
        ok = [r.paper_id for r in rows if r.status == "ok"]
        for row in rows:
            writer.delete_documents_by_term("paper_id", row.paper_id)
        if ok:
            passages = session.execute(
                select(FulltextPassage, Paper.arxiv_id)
                .join(Paper, Paper.id == FulltextPassage.paper_id)
                .where(FulltextPassage.paper_id.in_(ok))
            )
            for passage, arxiv_id in passages:
                writer.add_document(
                    tantivy.Document(
                        paper_id=passage.paper_id,
                        arxiv_id=arxiv_id,
                        section=passage.section,
                        text=passage.text,
                    )
                )
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[PassageHit]:
        built = self._query(query)
        if built is None:
            return []
        self.index.reload()  # cheap: picks up what another process's sync committed
        searcher = self.index.searcher()
        best: dict[str, PassageHit] = {}
        for score, address in searcher.search(built, limit * OVERFETCH).hits:
            doc = searcher.doc(address)
            arxiv_id = doc["arxiv_id"][0]
            if arxiv_id not in best:
                best[arxiv_id] = PassageHit(arxiv_id, doc["section"][0], doc["text"][0], score)
            if len(best) >= limit:
                break
        return list(best.values())

    def _query(self, query: ParsedQuery) -> tantivy.Query | None:
        clauses = []
        for unit in query.units:
            tokens = EN_STEM.analyze(" ".join(unit))
            if not tokens:
                continue
            for field, boost in (("text", 1.0), ("section", SECTION_BOOST)):
                if len(tokens) == 1:  # a one-token phrase query panics inside tantivy
                    q = tantivy.Query.term_query(self.schema, field, tokens[0])
                else:
                    q = tantivy.Query.phrase_query(self.schema, field, tokens)
                if boost != 1.0:
                    q = tantivy.Query.boost_query(q, boost)
                clauses.append((tantivy.Occur.Should, q))
        return tantivy.Query.boolean_query(clauses) if clauses else None

    def close(self) -> None:
        pass
