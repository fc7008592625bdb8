"""The embedded keyword index: tantivy BM25, derived from the store and synced by change seq.

Layout: ``<index_dir>/keyword/`` holds tantivy's files and ``checkpoint.json`` (the last
applied change seq). Keeping both in one directory means deleting the directory always
forces a full rebuild, never a replay onto nothing.

Queries are built programmatically from :class:`~paperfeed.search.query.ParsedQuery`; user
text never reaches tantivy's query parser. Each word or phrase is matched in the title
(weighted), abstract and authors, all as clauses of one OR; BM25 scores add up over them, so
papers matching more words, and matching in several fields, rank first. Filters are
constant-score MUST clauses, so they restrict without changing the ranking.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import tantivy
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.search.base import Hit, HitPage, IndexBusy, SearchFilters
from paperfeed.search.catch_up import IndexCatchUp
from paperfeed.search.changes import CheckpointFile, head_seq, run_consumer
from paperfeed.search.query import ParsedQuery, words_of
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

# Bump when the schema, the analysis or the documents' text change: forces a rebuild.
# 2: title and abstract are their search text (papers.title_search, issue 13).
FORMAT_VERSION = 2
# BEIR SciFact train (bench/relevance.py --experiments), keyword nDCG@10 by title boost: 3.0
# 0.583, 1.5 0.654, 1.25 0.664, 1.0 0.677, 0.75 0.688, 0.5 0.692; hybrid (z-score fusion)
# 1.25 0.721, 1.0 0.725, 0.5 0.728. A title is short and its words recur in the abstract,
# so the abstract field already counts them; more weight on the title overrates papers
# that merely name a topic.
TITLE_BOOST = 0.5
ABSTRACT_BOOST = 1.0
AUTHORS_BOOST = 1.0
WRITER_HEAP = 50_000_000


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    # Mirrors tantivy's built-in "en_stem" / "default" tokenizers that the schema names, so
    # query words are analysed exactly as the indexed text was (tests check this).
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


EN_STEM = _analyzer(stem=True)
PLAIN = _analyzer(stem=False)
# (field, analyzer, boost) for the ranked text fields.
TEXT_FIELDS = (
    ("title", EN_STEM, TITLE_BOOST),
    ("abstract", EN_STEM, ABSTRACT_BOOST),
    ("authors", PLAIN, AUTHORS_BOOST),
)


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("paper_id", indexed=True, fast=True)  # delete-by-term key
    sb.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", tokenizer_name="en_stem")
    sb.add_text_field("abstract", tokenizer_name="en_stem")
    sb.add_text_field("authors", tokenizer_name="default")  # names: lowercased, not stemmed
    sb.add_text_field("category", tokenizer_name="raw")  # exact, e.g. "cs.CL"
    sb.add_integer_field("published_day", indexed=True, fast=True)  # date.toordinal(), UTC
    return sb.build()


class TantivyKeywordIndex:
    """Keyword backend and change consumer in one: it owns the directory it indexes into.

    Searches are lock-free (a fresh searcher per query) and never write: changes are applied
    by syncs (after writes, and by the web process's background
    :class:`~paperfeed.search.catch_up.IndexCatchUp`), serialised by a lock in this process
    and by tantivy's writer lock across processes. Another process's commit is picked up by
    tantivy's reader within about half a second, or at once by a search that sees it.
    """

    name = "tantivy"

    def __init__(self, path: Path, sessions: sessionmaker[Session]):
        self.path = Path(path)
        self.sessions = sessions
        self.schema = build_schema()
        self.checkpoint = CheckpointFile(self.path / "checkpoint.json", FORMAT_VERSION)
        self._index = self._open_or_recreate()
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._applied = self.checkpoint.read() or 0
        # The background catch-up serving this index (paperfeed.search.catch_up), if any.
        self.catch_up: IndexCatchUp | None = None

    def _open_or_recreate(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            return tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except (ValueError, OSError) as exc:
            logger.warning("keyword index at %s unusable (%s): recreating it", self.path, exc)
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        return tantivy.Index(self.schema, path=str(self.path), reuse=False)

    # -- syncing (ChangeConsumer) -------------------------------------------------------

    def sync(
        self, *, max_batches: int | None = None, rebuild: bool = False, wait: bool = True
    ) -> int:
        """Apply pending changes (all, or ``max_batches``); ``rebuild`` starts from scratch.

        Returns the number of papers applied; 0 without waiting if ``wait`` is false and
        another thread is syncing. Raises :class:`IndexBusy` if another process is writing.
        """
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            if rebuild:
                self.checkpoint.clear()
            return run_consumer(self, self.sessions, max_batches=max_batches)
        finally:
            self._drop_writer()
            self._applied = self.checkpoint.read() or 0
            self._lock.release()

    def _writer_or_open(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(WRITER_HEAP, 1)
            except ValueError as exc:
                if "LockBusy" in str(exc):
                    raise IndexBusy(f"the keyword index at {self.path} is being written") from exc
                raise
        return self._writer

    def _drop_writer(self) -> None:
        if self._writer is not None:
            try:
                self._writer.rollback()
            finally:
                self._writer = None

    def is_behind(self, head: int) -> bool:
        """Whether the index lacks changes up to ``head``, the store's newest."""
        return head > self._applied

    def apply_pending_batch(self) -> int:
        """One batch of pending changes, never waiting for a sync running in another thread
        (the background catch-up's step); papers applied. Raises :class:`IndexBusy`."""
        return self.sync(max_batches=1, wait=False)

    def reset(self) -> None:
        self._writer_or_open().delete_all_documents()

    def apply(self, session: Session, paper_ids: Sequence[int]) -> None:
        writer = self._writer_or_open()
        for pid in paper_ids:
            writer.delete_documents_by_term("paper_id", pid)
        visible = session.scalars(
            select(Paper).where(Paper.id.in_(paper_ids), Paper.hidden.is_(False))
        )
        for paper in visible:
            writer.add_document(_document(paper))

    def commit(self) -> None:
        writer = self._writer_or_open()
        writer.commit()
        writer.wait_merging_threads()
        self._writer = None
        self._index.reload()

    # -- searching (KeywordIndex) ---------------------------------------------------------

    def search(
        self,
        session: Session,
        query: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        offset: int,
        *,
        count: bool = True,
    ) -> HitPage:
        self._await_changes(session)
        built = self.build_query(query, filters)
        if built is None:
            return HitPage([], 0)
        searcher = self._index.searcher()
        result = searcher.search(built, limit, count=count, offset=offset)
        hits = [
            Hit(searcher.doc(address).get_first("arxiv_id"), score)
            for score, address in result.hits
        ]
        return HitPage(hits, result.count if count else offset + len(hits))

    def _await_changes(self, session: Session) -> None:
        """Reads never write: a search applies no change itself (see catch_up.py). Another
        process's commit is picked up here (lock-free: a reader reload); changes nobody has
        applied yet are asked of the background catch-up and waited for a bounded time, so
        a paper written a moment ago is found. The service re-checks every hit in SQL."""
        head = head_seq(session)
        if head <= self._applied:
            return
        seq = self.checkpoint.read()
        if seq is not None and seq >= head:
            self._applied = seq
            self._index.reload()
            return
        IndexCatchUp.of(self).wait_for(self, head)

    def build_query(self, query: ParsedQuery, filters: SearchFilters) -> tantivy.Query | None:
        # One flat OR of (unit, field) clauses: BM25 adds up the same way as a unit-per-clause
        # nesting would, but tantivy scores a flat union about twice as fast (1M papers:
        # p50 9 ms against 19 ms, the same top 20). The Must wrapper costs ~2 ms: filters only.
        text = [clause for words in query.units for clause in self._unit(words)]
        if not text:
            return None
        should = tantivy.Query.boolean_query(text)
        filters_ = self._filters(filters)
        if not filters_:
            return should
        clauses = [(tantivy.Occur.Must, should)]
        clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in filters_]
        return tantivy.Query.boolean_query(clauses)

    def _unit(self, words: tuple[str, ...]) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """The SHOULD clauses of one word or phrase: a (boosted) match in each text field."""
        text = " ".join(words)
        clauses = []
        for field, analyzer, boost in TEXT_FIELDS:
            tokens = analyzer.analyze(text)
            if not tokens:
                continue
            if len(tokens) == 1:  # a one-token phrase query panics inside tantivy
                q = tantivy.Query.term_query(self.schema, field, tokens[0])
            else:
                q = tantivy.Query.phrase_query(self.schema, field, tokens)
            if boost != 1.0:
                q = tantivy.Query.boost_query(q, boost)
            clauses.append((tantivy.Occur.Should, q))
        return clauses

    def _filters(self, filters: SearchFilters) -> list[tantivy.Query]:
        out = []
        if filters.date_from or filters.date_to:
            out.append(
                tantivy.Query.range_query(
                    self.schema,
                    "published_day",
                    tantivy.FieldType.Integer,
                    filters.date_from.toordinal() if filters.date_from else None,
                    filters.date_to.toordinal() if filters.date_to else None,
                )
            )
        if filters.category:
            out.append(tantivy.Query.term_query(self.schema, "category", filters.category))
        if filters.author:
            tokens = PLAIN.analyze(" ".join(words_of(filters.author)))
            out += [tantivy.Query.term_query(self.schema, "authors", t) for t in tokens]
        return out

    def num_docs(self) -> int:
        return self._index.searcher().num_docs

    def close(self) -> None:
        IndexCatchUp.release(self)
        with self._lock:
            self._drop_writer()


def _document(paper: Paper) -> tantivy.Document:
    doc = tantivy.Document(
        paper_id=paper.id,
        arxiv_id=paper.arxiv_id,
        # The readable text where the source has LaTeX: "naive" finds na\"{\i}ve
        title=paper.title_search or paper.title,
        abstract=paper.abstract_search or paper.abstract or "",
        authors=list(paper.authors or []),
        category=list(paper.categories or []),
    )
    if paper.published_at is not None:
        doc.add_integer("published_day", paper.published_at.date().toordinal())
    return doc
