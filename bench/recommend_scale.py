"""The 1,000,000-paper instance that :mod:`bench.recommend_speed` times the for-you list on.

Papers: the 74,728 real arXiv cs papers of ../shared/data through the real ingest pipeline
(ids 1..74,728), then 925,272 synthetic ones bulk inserted (SQLite: :func:`bulk_papers`;
PostgreSQL: the same recipe in SQL, :func:`bulk_papers_in_sql`): each copies a random real
parent (title, authors, categories; its abstract rotated) and gets a date whose density grows
linearly from April 2007 to the last real listing (1 July 2026), as arXiv's has, so a 7-day
window holds ~2,800 candidates, not only the real papers of those days.

Vectors: synthetic (the embedding cache was being filled by another session): a real paper's
is a random direction per primary category plus as much random noise, unit length; a
synthetic paper stores its parent's. The for-you list's cost depends on how many vectors it
reads and compares, not on where they point; its rankings here are no quality figure.

Community: 2,000 other members with 100 saved papers, 20 follows, 50 votes on papers of the
last 30 days, 10 feedback rows and 100 papers seen each; the measured member is made by
:func:`bench.recommend_speed.make_reader`.

Kept in ``KEEP/<backend>`` (a SQLite file or a pgserver data directory) with ``built.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, inspect, select, text

from bench.common import machine, postgres_server
from bench.search_scale import (
    Synthesizer,
    configure_postgres,
    load_papers,
    real_records,
    vacuum,
)
from bench.synthetic import unit
from paperfeed.embed.model import DEFAULT_MODEL
from paperfeed.embed.store import text_hash
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker
from paperfeed.store.library_models import (
    Collection,
    CollectionItem,
    Follow,
    PaperFeedback,
    PaperSeen,
)
from paperfeed.store.models import DailyEntry, Paper, PaperChange, PaperEmbedding, PaperVote, User
from paperfeed.text.search_text import search_text_or_none

SIZE = 1_000_000
LAST_DAY = datetime(2026, 7, 1, tzinfo=UTC)  # the last real listing
NOW = LAST_DAY + timedelta(hours=20)  # the evening after it
OTHER_MEMBERS = 2_000
N_REAL = 74_728  # the real papers, ids 1..N_REAL
FIRST_DAY = datetime(2007, 4, 1, tzinfo=UTC)


def catch_up_indexes(engine) -> None:
    """An instance built before migration 0013 (this issue's, unreleased) changed
    paper_votes' index to (paper_id, created_at) gets it here: alembic will not run 0013
    again on a database already at 0013."""
    have = {i["name"] for i in inspect(engine).get_indexes("paper_votes")}
    with engine.begin() as conn:
        for index in PaperVote.__table__.indexes:
            if index.name not in have:
                index.create(conn)
        if "ix_paper_votes_paper_id" in have:
            conn.execute(text("DROP INDEX ix_paper_votes_paper_id"))
            if engine.dialect.name == "postgresql":
                conn.execute(text("ANALYZE paper_votes"))


def instance_url(backend: str, workdir: Path, server=None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir}/recommend.db"
    return server.replace("/postgres?", "/recommend?")


def build(backend: str, workdir: Path, url: str, size: int = SIZE) -> dict:
    """Papers, vectors and the community; the build's figures. The real papers go through
    the ingest pipeline (an interrupted build's are kept); the synthetic ones are bulk
    inserted (:func:`bulk_papers`): the pipeline's 2-7k papers/s, under a shared machine's
    load, would take hours for 925k."""
    engine = open_database(backend, url)
    result: dict = {"backend": backend, "size": size}
    started = time.perf_counter()
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM papers WHERE id <= :n"), {"n": N_REAL})
        have = have.scalar()
    if have != N_REAL:
        records = real_records()
        assert len(records) == N_REAL, len(records)
        figures, _ = load_papers(make_sessionmaker(engine), records, Synthesizer(records), N_REAL)
        result.update(figures)
    result["real_ingest_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    store_real_vectors(engine)
    result["real_vectors_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    if backend == "postgresql":
        bulk_papers_in_sql(engine, size - N_REAL)
    else:
        bulk_papers(engine, np.random.default_rng(1), size - N_REAL)
    result["synthetic_insert_s"] = round(time.perf_counter() - started, 1)
    result.update(real_papers=N_REAL, synthetic_papers=size - N_REAL)
    started = time.perf_counter()
    populate(engine, np.random.default_rng(5))
    result["community_s"] = round(time.perf_counter() - started, 1)
    vacuum(engine, backend, result, "papers", "paper_changes", "daily_entries", "paper_embeddings")
    vacuum(engine, backend, result, "users", "collection_items", "follows")
    vacuum(engine, backend, result, "paper_votes", "paper_feedback", "paper_seen", "collections")
    engine.dispose()
    (workdir / "built.json").write_text(json.dumps(result))
    return result


def open_database(backend: str, url: str):
    """The instance's database, migrated; created if missing (PostgreSQL: configured)."""
    if backend == "postgresql":
        base = url.replace("/recommend?", "/postgres?")
        admin = make_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = 'recommend'")
            ).first():
                conn.execute(text("CREATE DATABASE recommend"))
        admin.dispose()
        configure_postgres(base)
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)
    return engine


def bulk_papers(engine, rng: np.random.Generator, n: int) -> None:
    """``n`` synthetic papers after the real ones, straight into the tables the pipeline
    fills (papers, daily_entries, paper_changes; a left-over partial load is deleted first).
    Each is a random real parent's copy: its title, its abstract with the words rotated by a
    random offset, its authors and categories, a date drawn as :func:`synthetic_day` says,
    and its stored vector (copied in SQL)."""
    with engine.begin() as conn:
        for table in ("paper_embeddings", "paper_changes", "daily_entries"):
            conn.execute(text(f"DELETE FROM {table} WHERE paper_id > :n"), {"n": N_REAL})
        conn.execute(text("DELETE FROM papers WHERE id > :n"), {"n": N_REAL})
        parents = conn.execute(
            select(Paper.title, Paper.abstract, Paper.authors, Paper.categories)
            .where(Paper.id <= N_REAL)
            .order_by(Paper.id)
        ).all()
    for start in range(0, n, 5_000):
        batch = []
        for i in range(start, min(n, start + 5_000)):
            parent = int(rng.integers(len(parents)))
            batch.append((N_REAL + 1 + i, synthetic_id(i), parent + 1, parents[parent], rng))
        _insert_batch(engine, batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("papers", "daily_entries"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


# PostgreSQL: bulk_papers's recipe as SQL run by the server (from Python, the inserts ran
# at ~15k papers a minute under this machine's load: an hour for 925k). The abstract is
# rotated by characters, not words; the GIN indexes of papers are rebuilt after the load.
_SQL_BULK = [
    "DELETE FROM paper_embeddings WHERE paper_id > {n_real}",
    "DELETE FROM paper_changes WHERE paper_id > {n_real}",
    "DELETE FROM daily_entries WHERE paper_id > {n_real}",
    "DELETE FROM papers WHERE id > {n_real}",
    "DROP TABLE IF EXISTS bench_synthetic",
    "CREATE TABLE bench_synthetic AS SELECT g, 1 + floor(random() * {n_real})::int AS parent, "
    "timestamptz '2007-04-01 00:00+00' + floor({span} * sqrt(random())) * interval '1 day' "
    "AS day FROM generate_series(0, {n} - 1) AS g",
    "DROP INDEX IF EXISTS ix_papers_search_tsv",
    "DROP INDEX IF EXISTS ix_papers_categories",
]
_SQL_PAPERS = (
    "INSERT INTO papers (id, arxiv_id, version, title, abstract, title_search, abstract_search, "
    "authors, categories, primary_category, published_at, upvotes, imported_upvotes, "
    "num_comments, local_comments, hidden, created_at, modified_at) "
    "SELECT {n_real} + 1 + s.g, "
    "lpad((7 + (s.g / 99999 + 3) / 12)::text, 2, '0') || lpad(((s.g / 99999 + 3) % 12 + 1)::text, "
    "2, '0') || '.' || lpad((s.g % 99999 + 1)::text, 5, '0'), 1, p.title, "
    "substr(p.abstract, 1 + s.g % greatest(length(p.abstract), 1)) || ' ' || "
    "substr(p.abstract, 1, s.g % greatest(length(p.abstract), 1)), p.title_search, "
    "p.abstract_search, p.authors, p.categories, p.primary_category, s.day, 0, 0, 0, 0, false, "
    ":now, :now FROM bench_synthetic s JOIN papers p ON p.id = s.parent "
    "WHERE s.g >= :lo AND s.g < :hi"
)
_SQL_AFTER = [
    "INSERT INTO daily_entries (paper_id, day, submitted_at, source, featured) "
    "SELECT id, (published_at AT TIME ZONE 'UTC')::date, published_at, 'bench', false "
    "FROM papers WHERE id > {n_real}",
    "INSERT INTO paper_changes (paper_id, changed_at) SELECT id, :now FROM papers "
    "WHERE id > {n_real}",
    "INSERT INTO paper_embeddings (paper_id, model, dim, vector, text_hash, source_seq, "
    "created_at) SELECT {n_real} + 1 + s.g, e.model, e.dim, e.vector, e.text_hash, e.source_seq, "
    "e.created_at FROM bench_synthetic s JOIN paper_embeddings e ON e.paper_id = s.parent",
    "SELECT setval(pg_get_serial_sequence('papers', 'id'), (SELECT max(id) FROM papers))",
    "SELECT setval(pg_get_serial_sequence('daily_entries', 'id'), "
    "(SELECT max(id) FROM daily_entries))",
    "DROP TABLE bench_synthetic",
    "CREATE INDEX ix_papers_search_tsv ON papers USING gin (search_tsv)",
    "CREATE INDEX ix_papers_categories ON papers USING gin (categories jsonb_path_ops)",
]


def bulk_papers_in_sql(engine, n: int) -> None:
    values = {"n_real": N_REAL, "n": n, "span": (LAST_DAY - FIRST_DAY).days}
    with engine.begin() as conn:
        for statement in _SQL_BULK:
            conn.execute(text(statement.format(**values)))
    for lo in range(0, n, 100_000):
        with engine.begin() as conn:
            conn.execute(
                text(_SQL_PAPERS.format(**values)), {"now": NOW, "lo": lo, "hi": lo + 100_000}
            )
        print(f"# {lo + 100_000} synthetic papers", flush=True)
    for statement in _SQL_AFTER:
        with engine.begin() as conn:
            conn.execute(text(statement.format(**values)), {"now": NOW})


def synthetic_id(i: int) -> str:
    """search_scale's ids: 0704.00001 .. (99,999 a month), clear of the real 2503-2607."""
    month, number = divmod(i, 99_999)
    return f"{7 + (month + 3) // 12:02d}{(month + 3) % 12 + 1:02d}.{number + 1:05d}"


def synthetic_day(rng: np.random.Generator) -> datetime:
    """A day from April 2007 to LAST_DAY with density growing linearly, as arXiv's has."""
    span = (LAST_DAY - FIRST_DAY).days
    return FIRST_DAY + timedelta(days=int(span * np.sqrt(rng.random())))


def _rotated(words: str, rng: np.random.Generator) -> str:
    parts = words.split(" ")
    k = int(rng.integers(len(parts))) if len(parts) > 1 else 0
    return " ".join(parts[k:] + parts[:k])


def _insert_batch(engine, batch: list[tuple]) -> None:
    papers, entries, changes = [], [], []
    for paper_id, arxiv_id, _parent, (title, abstract, authors, categories), rng in batch:
        day = synthetic_day(rng)
        abstract = _rotated(abstract, rng)
        papers.append(
            {
                "id": paper_id,
                "arxiv_id": arxiv_id,
                "version": 1,
                "title": title,
                "abstract": abstract,
                "title_search": search_text_or_none(title),
                "abstract_search": search_text_or_none(abstract),
                "authors": authors,
                "categories": categories,
                "primary_category": categories[0] if categories else None,
                "published_at": day,
                "upvotes": 0,
                "imported_upvotes": 0,
                "num_comments": 0,
                "local_comments": 0,
                "hidden": False,
                "created_at": NOW,
                "modified_at": NOW,
            }
        )
        entries.append(
            {
                "paper_id": paper_id,
                "day": day.date(),
                "submitted_at": day,
                "source": "bench",
                "featured": False,
            }
        )
        changes.append({"paper_id": paper_id, "changed_at": NOW})
    with engine.begin() as conn:
        conn.execute(insert(Paper.__table__), papers)
        conn.execute(insert(DailyEntry.__table__), entries)
        conn.execute(insert(PaperChange.__table__), changes)
        pairs = ",".join(f"({int(b[0])}, {int(b[2])})" for b in batch)
        conn.execute(
            text(
                f"WITH v(pid, parent) AS (VALUES {pairs}) "
                "INSERT INTO paper_embeddings "
                "(paper_id, model, dim, vector, text_hash, source_seq, created_at) "
                "SELECT v.pid, e.model, e.dim, e.vector, e.text_hash, e.source_seq, e.created_at "
                "FROM v JOIN paper_embeddings e ON e.paper_id = v.parent"
            )
        )


def store_real_vectors(engine, dim: int = 384) -> None:
    """The real papers' vectors, unless stored: one random direction per primary category
    plus as much random noise, unit length (papers of a category are near each other)."""
    with engine.connect() as conn:
        have = conn.execute(
            text("SELECT count(*) FROM paper_embeddings WHERE paper_id <= :n"), {"n": N_REAL}
        ).scalar()
        rows = conn.execute(
            select(Paper.id, Paper.primary_category).where(Paper.id <= N_REAL).order_by(Paper.id)
        ).all()
    if have == N_REAL:
        return
    rng = np.random.default_rng(11)
    codes = sorted({c or "" for _id, c in rows})
    centres = unit(rng.standard_normal((len(codes), dim)))
    index = {c: i for i, c in enumerate(codes)}
    picked = centres[[index[c or ""] for _id, c in rows]]
    vectors = unit(picked + unit(rng.standard_normal((len(rows), dim))))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM paper_embeddings"))
    for start in range(0, len(rows), 5_000):
        part = [
            {
                "paper_id": pid,
                "model": DEFAULT_MODEL,
                "dim": dim,
                "vector": vectors[start + j],
                "text_hash": text_hash(str(pid)),  # not checked: the embed job is not run
                "source_seq": 0,
                "created_at": NOW,
            }
            for j, (pid, _c) in enumerate(rows[start : start + 5_000])
        ]
        with engine.begin() as conn:
            conn.execute(insert(PaperEmbedding.__table__), part)


def recent_paper_ids(conn, days: int) -> np.ndarray:
    since = LAST_DAY - timedelta(days=days)
    rows = conn.execute(
        text("SELECT paper_id FROM daily_entries WHERE day > :d ORDER BY paper_id"),
        {"d": since.date()},
    )
    return np.array([r[0] for r in rows], dtype=np.int64)


def populate(engine, rng: np.random.Generator) -> None:
    """The other members and their rows (see the module docstring)."""
    with engine.begin() as conn:
        n_papers = conn.execute(text("SELECT max(id) FROM papers")).scalar()
        recent = recent_paper_ids(conn, 30)
        authors = list(conn.execute(select(Paper.authors).where(Paper.id <= 2000)).scalars())
        conn.execute(insert(User.__table__), [member_row(i) for i in range(OTHER_MEMBERS)])
        user_ids = [r[0] for r in conn.execute(text("SELECT id FROM users ORDER BY id"))]
        conn.execute(
            insert(Collection.__table__),
            [collection_row(u, "Saved", True, f"s{u}") for u in user_ids],
        )
        collections = dict(conn.execute(text("SELECT user_id, id FROM collections")).all())
        for chunk in np.array_split(np.array(user_ids), 20):
            conn.execute(
                insert(CollectionItem.__table__), items_of(chunk, collections, n_papers, rng)
            )
            conn.execute(insert(PaperVote.__table__), votes_of(chunk, recent, rng))
            conn.execute(insert(PaperSeen.__table__), seen_of(chunk, recent, rng))
            conn.execute(insert(PaperFeedback.__table__), feedback_of(chunk, recent, rng))
            conn.execute(insert(Follow.__table__), follows_of(chunk, authors, rng))
        conn.execute(
            text(
                "UPDATE papers SET upvotes = (SELECT count(*) FROM paper_votes v "
                "WHERE v.paper_id = papers.id) WHERE id IN (SELECT paper_id FROM paper_votes)"
            )
        )


def member_row(i: int, name: str | None = None) -> dict:
    name = name or f"member{i:05d}"
    return {
        "username": name,
        "username_key": name,
        "email": f"{name}@example.org",
        "email_key": f"{name}@example.org",
        "password_hash": "!",  # cannot log in; the bench calls the services directly
        "role": "member",
        "email_verified_at": NOW - timedelta(days=400),
        "created_at": NOW - timedelta(days=400),
        "password_changed_at": NOW - timedelta(days=400),
    }


def collection_row(user_id: int, name: str, default: bool, share_key: str) -> dict:
    return {
        "user_id": int(user_id),
        "name": name,
        "name_key": name.casefold(),
        "description": "",
        "is_default": default,
        "public": False,
        "share_key": share_key,
        "created_at": NOW - timedelta(days=400),
        "updated_at": NOW - timedelta(days=1),
    }


def _ago(rng: np.random.Generator, days: int) -> datetime:
    return NOW - timedelta(seconds=int(rng.integers(60, days * 86_400)))


def items_of(users, collections: dict, n_papers: int, rng) -> list[dict]:
    return [
        {
            "collection_id": collections[int(u)],
            "paper_id": int(p),
            "user_id": int(u),
            "note": "",
            "tags": [],
            "added_at": _ago(rng, 700),
        }
        for u in users
        for p in rng.choice(n_papers, size=100, replace=False) + 1
    ]


def votes_of(users, recent: np.ndarray, rng) -> list[dict]:
    return [
        {"user_id": int(u), "paper_id": int(p), "created_at": _ago(rng, 30)}
        for u in users
        for p in rng.choice(recent, size=50, replace=False)
    ]


def seen_of(users, recent: np.ndarray, rng) -> list[dict]:
    return [
        {"user_id": int(u), "paper_id": int(p), "seen_at": _ago(rng, 30)}
        for u in users
        for p in rng.choice(recent, size=100, replace=False)
    ]


def feedback_of(users, recent: np.ndarray, rng) -> list[dict]:
    return [
        {"user_id": int(u), "paper_id": int(p), "kind": kind, "created_at": _ago(rng, 30)}
        for u in users
        for p, kind in zip(
            rng.choice(recent, size=10, replace=False), ["more", "not_interested"] * 5, strict=True
        )
    ]


CATEGORIES = ["cs.CL", "cs.LG", "cs.CV", "cs.AI", "cs.RO", "cs.CR", "cs.IR", "cs.SE", "cs.HC"]


def follows_of(users, authors: list[list[str]], rng) -> list[dict]:
    rows = []
    for u in users:
        names = {a for i in rng.choice(len(authors), size=30) for a in authors[int(i)][:1]}
        for name in list(names)[:15]:
            rows.append(follow_row(u, "author", name.casefold(), name))
        for code in rng.choice(CATEGORIES, size=5, replace=False):
            rows.append(follow_row(u, "category", str(code), str(code)))
    return rows


def follow_row(user_id, kind: str, key: str, label: str, query: str | None = None) -> dict:
    return {
        "user_id": int(user_id),
        "kind": kind,
        "key": key[:255],
        "label": label[:255],
        "query": query,
        "mode": "hybrid" if query else None,
        "author_user_id": None,
        "created_at": NOW - timedelta(days=30),
    }


@contextmanager
def instance(backend: str, workdir: Path, *, rebuild: bool = False) -> Iterator[tuple[str, dict]]:
    """The kept instance in ``workdir`` (built first if missing): its URL and build figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = postgres_server(workdir / "pg", keep=True) if backend == "postgresql" else None
    base = server.__enter__() if server is not None else None
    try:
        url = instance_url(backend, workdir, base)
        built = workdir / "built.json"
        if rebuild or not built.exists():
            figures = build(backend, workdir, url, SIZE)
        else:
            figures = json.loads(built.read_text())
        yield url, figures
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--keep", type=Path, required=True, help="the instance's folder")
    parser.add_argument("--size", type=int, default=SIZE)
    args = parser.parse_args()
    print(f"# machine: {machine()}", flush=True)
    workdir = args.keep / args.backend
    workdir.mkdir(parents=True, exist_ok=True)
    server = postgres_server(workdir / "pg", keep=True) if args.backend == "postgresql" else None
    base = server.__enter__() if server is not None else None
    try:
        print(
            json.dumps(
                build(args.backend, workdir, instance_url(args.backend, workdir, base), args.size)
            )
        )
    finally:
        if server is not None:
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
