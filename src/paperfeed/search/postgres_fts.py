"""The server keyword index: PostgreSQL full-text search ranked by BM25, so web workers keep
no state.

Migration 0002 adds ``papers.search_tsv``, a stored generated ``tsvector`` weighting the
title A, abstract B and author names C (English stemming), with a GIN index; plus a GIN
index for the category filter (jsonb containment); the author filter uses the weight-C part.
Migration 0004 adds each lexeme's document frequency (:mod:`~paperfeed.search.pg_term_stats`,
refreshed after ingests), read once per query for the IDF and to choose candidates.

Ranking reads each candidate's tsvector out of TOAST (~10 us a paper), so a query ranks a
bounded set of candidates, chosen like a bounded WAND/MaxScore:

1. *every*: the ``RANK_CAP`` newest papers matching every unit. When the statistics say
   there are many, they are found without visiting every match: through an id window over
   the newest papers (:func:`_every_window`), or, when every unit is in a quarter of the
   papers, by testing the newest ``WALK`` papers one by one, reading no posting list. Should
   that give fewer than ``RANK_CAP`` and not fill the page, or should a date filter end in
   the past, every match is visited instead;
2. *rare*: papers matching the rarest units, rarest first, while their frequencies add up to
   at most ``CANDIDATES``: the words that identify the relevant papers of a long claim;
3. *extra*: with what is left of that budget, the newest papers matching at least two of the
   next three rarest units (the next one, when fewer remain); skipped when *every* already
   fills the page or those units are too common.

Scores are BM25 (k1 1.2, b 0.75) summed over the units: the IDF from the statistics, the
term frequency ``ts_rank_cd`` of the unit alone with weights {D, C, B, A} = {0.1, 0.25, 0.5,
1}, i.e. a title occurrence counts 2, abstract 1, author name 0.5, and the length the paper's
number of distinct lexemes. A phrase unit counts its occurrences, with the IDF of its rarest
word. ``total`` counts the papers matching some unit up to ``COUNT_CAP``; without filters,
when the statistics show that many, it is ``COUNT_CAP`` without counting. Filters and
visibility are bind parameters in the same WHERE clause, so they apply before the bounds.
SciFact (``bench/relevance.py``), measured against ranking every match: docs/benchmarks.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from paperfeed.search.base import Hit, HitPage, SearchFilters
from paperfeed.search.pg_term_stats import CorpusStats, UnitStats, lookup_units
from paperfeed.search.query import ParsedQuery, words_of

RANK_CAP = 1_000  # newest papers matching every unit ranked
CANDIDATES = 500  # budget of papers chosen by their rarest units
COUNT_CAP = 10_000  # ``total`` stops counting here (the service caps totals there too)
WALK = 4_000  # newest papers tested one by one when every unit is common
WALK_SHARE = 0.25  # "common": in at least this share of the papers
EXTRA_POSTINGS = 50_000  # the extra pool reads posting lists this long at most
K1 = 1.2
B = 0.75
# ts_rank_cd of one unit sums these weights over its occurrences: D, C (authors), B
# (abstract), A (title); halved so none exceeds 1, and the BM25 constant with them.
_WEIGHTS = "'{0.1, 0.25, 0.5, 1.0}'"
_TF_SCALE = 0.5
# Each candidate's tsvector is read (from TOAST) once: setweight() with no lexemes returns an
# in-memory copy that the frequencies share; OFFSET 0 fences keep the planner from inlining
# it back into every use.
_ROW = "p.id, p.arxiv_id, setweight(p.search_tsv, 'A', '{}'::text[]) AS v"


@dataclass(frozen=True)
class _Term:
    param: str  # bind parameter holding the unit's tsquery text
    docs: int  # papers containing it (estimated)


class PostgresKeywordIndex:
    """Stateless: everything lives in the database, queried through the caller's session."""

    name = "postgresql"

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
        if query.is_empty:
            return HitPage([], 0)
        units, corpus = lookup_units(session, list(query.units))
        q = _Statements(session, filters, corpus)
        need = offset + limit
        with _search_settings(session):
            terms = q.terms(units)
            if not terms:  # stop words only
                return HitPage([], 0)
            total = q.total(terms) if count else 0
            rows = q.ranked(terms, need, bounded=True)
            if q.was_bounded and len(rows) < need and (rows[0].in_every if rows else 0) < RANK_CAP:
                # The newest papers held fewer than RANK_CAP matches, too few for the page:
                # look at every match (a rare combination of common words).
                rows = q.ranked(terms, need, bounded=False)
        hits = [Hit(row.arxiv_id, float(row.score)) for row in rows[offset:]]
        return HitPage(hits, max(total, len(rows)))

    def close(self) -> None:
        pass


class _Statements:
    """SQL for one query. Every fragment is fixed text; user values are bind parameters."""

    def __init__(self, session: Session, filters: SearchFilters, corpus: CorpusStats):
        self.session = session
        self.corpus = corpus
        self.params: dict = {}
        self.filtered = filters != SearchFilters()
        # Whether matches may be looked for among the newest papers first: not when the
        # dates end in the past, where the newest papers hold none.
        self.newest_first = filters.date_to is None
        self.where = filter_sql(filters, self.params)
        self.was_bounded = False  # the last ranking took the newest matches only

    def terms(self, units: list[UnitStats]) -> list[_Term]:
        """The units that have lexemes, each once, with a frequency.

        A unit missing from the statistics (a word first seen since the last refresh) has
        its papers counted now, in one statement for all of them, up to just over the
        candidate budget: enough to tell a rare unit from a common one.
        """
        known: dict[str, int | None] = {}  # bind parameter -> papers
        seen: set[str] = set()
        for unit in units:
            if unit.tsquery and unit.tsquery not in seen:
                seen.add(unit.tsquery)
                param = f"q{len(known)}"
                self.params[param] = unit.tsquery
                known[param] = unit.docs
        unknown = [param for param, docs in known.items() if docs is None]
        if unknown:
            counts = ", ".join(
                f"(SELECT count(*) FROM (SELECT 1 FROM papers p "  # noqa: S608
                f"WHERE p.search_tsv @@ {_tsq(param)} LIMIT :cap) c)"
                for param in unknown
            )
            row = self.session.execute(
                text(f"SELECT {counts}"), {**self.params, "cap": CANDIDATES + 1}
            ).one()
            known.update(zip(unknown, row, strict=True))
        return [_Term(param, docs or 0) for param, docs in known.items()]

    def total(self, terms: list[_Term]) -> int:
        """Papers matching some unit, up to ``COUNT_CAP``: counting reads a heap page per
        match, so without filters the statistics answer when they show that many."""
        if not self.filtered:
            papers = self._papers(terms)
            # If the units occurred independently. Correlated ones overlap more, hence the
            # margin: none of the 809 SciFact train claims is over-reported with it.
            absent = math.prod(1 - t.docs / papers for t in terms)
            if max(t.docs for t in terms) >= COUNT_CAP or papers * (1 - absent) >= 1.25 * COUNT_CAP:
                return COUNT_CAP
        return self._count(_any(terms), COUNT_CAP, self.where)

    def _count(self, tsquery: str, cap: int, where: str = "") -> int:
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM papers p "  # noqa: S608
            f"WHERE p.search_tsv @@ {tsquery} {where} LIMIT :cap) c"
        )
        return self.session.scalar(text(sql), {**self.params, "cap": cap}) or 0

    def _papers(self, terms: list[_Term]) -> int:
        return max(self.corpus.papers, *(t.docs for t in terms))

    def ranked(self, terms: list[_Term], n: int, *, bounded: bool) -> list:
        """The best ``n`` candidates (see the module docstring), BM25-ranked; ``bounded``
        lets the *every* pool take the newest matches without visiting all of them."""
        ctes, sources, index_scans = self._candidates(terms, bounded)
        docs = " UNION ALL ".join(f"({source})" for source in sources)
        sql = f"""
            {"WITH " + ", ".join(ctes) if ctes else ""}
            SELECT id, arxiv_id, score, count(*) FILTER (WHERE in_every) OVER () AS in_every
            FROM (
                SELECT DISTINCT ON (id) id, arxiv_id, in_every, {self._score(terms)} AS score
                FROM (
                    SELECT d.id, d.arxiv_id, d.in_every, :kn + :kl * length(d.v) AS kn,
                           {_freqs(terms)}
                    FROM ({docs}) d OFFSET 0
                ) f ORDER BY id, in_every DESC
            ) s ORDER BY score DESC, id DESC LIMIT :n
        """  # noqa: S608
        params = {**self.params, "n": n}
        if index_scans:
            return self.session.execute(text(sql), params).all()
        with _settings(self.session, enable_indexscan="off"):
            return self.session.execute(text(sql), params).all()

    def _candidates(self, terms: list[_Term], bounded: bool) -> tuple[list[str], list[str], bool]:
        """CTEs of candidate ids, the SELECTs giving ``(id, arxiv_id, v, in_every)`` for every
        candidate (``v`` its tsvector, ``in_every`` whether it is in the *every* pool), and
        whether the plan may use plain index scans."""
        ctes, sources, pooled = [], [], []
        every, self.was_bounded, index_scans = self._every(terms, bounded)
        if every.startswith("SELECT"):
            sources.append(every)
        else:
            ctes.append(every)
            pooled.append("every")
        if len(terms) > 1:
            by_rarity = sorted(terms, key=lambda t: t.docs)
            rare, budget = [], CANDIDATES
            while len(rare) < len(terms) and by_rarity[len(rare)].docs <= budget:
                budget -= by_rarity[len(rare)].docs
                rare.append(by_rarity[len(rare)])
            if rare:
                ctes.append(
                    f"rare AS MATERIALIZED (SELECT p.id FROM papers p "  # noqa: S608
                    f"WHERE p.search_tsv @@ {_any(rare)} {self.where} LIMIT {CANDIDATES})"
                )
                pooled.append("rare")
            rest = by_rarity[len(rare) : len(rare) + 3]
            if rest and budget > 0 and sum(t.docs for t in rest) <= EXTRA_POSTINGS:
                # Not "&& !!rare" in the tsquery: a NOT makes GIN recheck every row's tsvector.
                match = _two_of(rest) if len(rest) == 3 else _tsq(rest[0].param)
                unseen = "AND NOT (p.id IN (SELECT id FROM rare))" if rare else ""
                if pooled and pooled[0] == "every":
                    # Only needed when too few papers match everything.
                    unseen += " AND (SELECT count(*) FROM every) < :n"
                ctes.append(
                    f"extra AS (SELECT p.id FROM papers p WHERE p.search_tsv @@ {match} "  # noqa: S608
                    f"{unseen} {self.where} ORDER BY p.id + 0 DESC LIMIT {int(budget)})"
                )
                pooled.append("extra")
        if pooled:
            ids = " UNION ".join(f"SELECT id FROM {name}" for name in pooled)  # noqa: S608
            in_every = "c.id IN (SELECT id FROM every)" if pooled[0] == "every" else "false"
            sources.append(
                f"SELECT c.*, {in_every} AS in_every FROM (SELECT {_ROW} FROM papers p "  # noqa: S608
                f"WHERE p.id = ANY(ARRAY({ids})) OFFSET 0) c"
            )
        return ctes, sources, index_scans

    def _every(self, terms: list[_Term], bounded: bool) -> tuple[str, bool, bool]:
        """The *every* pool: a CTE ``every(id)``, or a SELECT of candidate rows; whether it
        is bounded (may miss older matches); whether it needs plain index scans."""
        papers = self._papers(terms)
        shares = [t.docs / papers for t in terms]
        matching = papers * math.prod(shares)  # papers matching every unit, if independent
        if bounded and self.newest_first and min(shares) >= WALK_SHARE:
            # Matches are dense: test the newest papers one by one, reading no posting list.
            self.params["walk_from"] = self.corpus.max_id - WALK
            return (
                f"SELECT w.*, true AS in_every FROM (SELECT {_ROW} FROM papers p "  # noqa: S608
                f"WHERE p.id > :walk_from {self.where} ORDER BY p.id DESC OFFSET 0) w "
                f"WHERE w.v @@ {_all(terms)} LIMIT {RANK_CAP}",
                True,
                True,
            )
        window = ""
        if bounded and self.newest_first and matching >= 2 * RANK_CAP:
            self.params["window_from"] = self.corpus.max_id - _every_window(shares)
            window = "AND p.id > :window_from"
        return (
            f"every AS (SELECT p.id FROM papers p WHERE p.search_tsv @@ {_all(terms)} "  # noqa: S608
            # "+ 0": sort the index matches, rather than walk the primary key backwards
            # testing (and de-TOASTing) every row's tsvector.
            f"{window} {self.where} ORDER BY p.id + 0 DESC LIMIT {RANK_CAP})",
            bool(window),
            # With an id window, plain index scans would test every paper in the window;
            # without them the planner intersects the GIN and primary key bitmaps.
            not window,
        )

    def _score(self, terms: list[_Term]) -> str:
        """BM25 over the frequencies ``f0..``; ``kn`` is k1 times the length normalisation."""
        papers = self._papers(terms)
        for t in terms:
            self.params[f"idf_{t.param}"] = _idf(papers, t.docs)
        self.params["kn"] = K1 * _TF_SCALE * (1 - B)
        self.params["kl"] = K1 * _TF_SCALE * B / self.corpus.avg_lexemes
        return " + ".join(f":idf_{t.param} * f{i} / (f{i} + kn)" for i, t in enumerate(terms))


def _every_window(shares: list[float]) -> int:
    """How many of the newest papers should hold about 2 * ``RANK_CAP`` matching every unit:
    between the independent estimate (too few when units go together, as they often do)
    and the rarest unit's share (an upper bound)."""
    share = math.sqrt(math.prod(shares) * min(shares))
    return math.ceil(2 * RANK_CAP / share)


def _idf(papers: int, docs: int) -> float:
    """BM25's IDF (the Lucene form, never negative)."""
    return math.log(1 + (papers - docs + 0.5) / (docs + 0.5))


def _freqs(terms: list[_Term]) -> str:
    """Each unit's weighted frequency in ``d.v``, computed only where it occurs (the @@
    test costs a tenth of ts_rank_cd)."""
    return ", ".join(
        f"CASE WHEN d.v @@ {_tsq(t.param)} "
        f"THEN ts_rank_cd({_WEIGHTS}, d.v, {_tsq(t.param)}, 0) ELSE 0 END AS f{i}"
        for i, t in enumerate(terms)
    )


def _tsq(param: str) -> str:
    return f"CAST(:{param} AS tsquery)"


def _any(terms: list[_Term]) -> str:
    return "(" + " || ".join(_tsq(t.param) for t in terms) + ")"


def _all(terms: list[_Term]) -> str:
    return "(" + " && ".join(_tsq(t.param) for t in terms) + ")"


def _two_of(terms: list[_Term]) -> str:
    """A tsquery matching papers that contain at least two of ``terms``."""
    pairs = [
        f"({_tsq(a.param)} && {_tsq(b.param)})" for i, a in enumerate(terms) for b in terms[i + 1 :]
    ]
    return "(" + " || ".join(pairs) + ")"


@contextmanager
def _search_settings(session: Session) -> Iterator[None]:
    """Keep the planner off sequential scans and JIT for these statements.

    With a LIMIT it expects to find matches early in a sequential scan, but every row tested
    there de-TOASTs a ~2 kB tsvector: measured at 75k papers, counting 10,000 matches of
    "graph neural network" took 154 ms that way and ~10 ms through the GIN index. JIT
    compiling the ranking expression costs more than evaluating it on a thousand rows.
    """
    with _settings(session, enable_seqscan="off", jit="off"):
        yield


@contextmanager
def _settings(session: Session, **values: str) -> Iterator[None]:
    """Change planner settings for the enclosed statements, then restore them. No "finally":
    an error aborts the transaction, and rolling back undoes transaction-local settings."""
    names = {f"n{i}": name for i, name in enumerate(values)}
    sets = ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(len(values)))
    reads = ", ".join(f"current_setting(:n{i})" for i in range(len(values)))
    new = {f"v{i}": value for i, value in enumerate(values.values())}
    # The subquery reads every current value before any is changed.
    sql = f"SELECT prev.*, {sets} FROM (SELECT {reads} OFFSET 0) prev"  # noqa: S608
    previous = session.execute(text(sql), {**names, **new}).one()
    yield
    old = {f"v{i}": previous[i] for i in range(len(values))}
    session.execute(text(f"SELECT {sets}"), {**names, **old})


def filter_sql(filters: SearchFilters, params: dict) -> str:
    """``AND ...`` clauses for visibility and the filters; values go in as bind parameters."""
    sql = "AND NOT p.hidden"
    if filters.date_from:
        params["date_from"] = datetime.combine(filters.date_from, time(), tzinfo=UTC)
        sql += " AND p.published_at >= :date_from"
    if filters.date_to:
        params["date_to"] = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        sql += " AND p.published_at < :date_to"
    if filters.category:
        params["category"] = json.dumps([filters.category])
        sql += " AND p.categories @> CAST(:category AS jsonb)"
    if filters.author:
        # Author names are the weight-C lexemes of search_tsv, so the filter uses its GIN
        # index: every word must appear among the names. Words come from our own tokenizer
        # (letters and digits only), so the to_tsquery text cannot carry operators.
        words = words_of(filters.author)[:16]
        if not words:
            return sql + " AND false"
        params["author"] = " & ".join(f"{w}:C" for w in words)
        sql += " AND p.search_tsv @@ to_tsquery('english', :author)"
    return sql
