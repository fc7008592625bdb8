"""One small site for the MCP tests, made once per test module and database: papers on two
feed days (embedded with the real model, for similar papers and search by meaning), an
old-style arXiv id, a member ``ada`` with an API token who follows cs.CV, and ``bob`` for
the rate limit. Both transports' tests start their server over it."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from members import NOW, make_account, new_token
from module_database import database_for
from paperfeed.embed.job import embed_missing
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.library.follows import follow_category
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

DAY = date(2026, 11, 20)  # NOW's day: the latest feed day
VIDEO, VIDEO_2, PROTEIN, OLD = "2611.00001", "2611.00002", "2611.00003", "hep-th/9901001"
UNKNOWN = "2611.99999"

PAPERS = [
    dict(
        arxiv_id=VIDEO,
        title="Diffusion models for video generation",
        abstract="A denoising diffusion model generates short video clips from text prompts.",
        categories=("cs.CV",),
        feed_day=DAY,
        upvotes=10,
    ),
    dict(
        arxiv_id=VIDEO_2,
        title="Temporal attention for video diffusion",
        abstract="Attention across frames keeps generated videos consistent over time.",
        categories=("cs.CV",),
        feed_day=DAY,
        upvotes=5,
    ),
    dict(
        arxiv_id=PROTEIN,
        title="Protein folding with transformers",
        abstract="A transformer predicts the three-dimensional structure of proteins.",
        categories=("q-bio.BM",),
        feed_day=DAY - timedelta(days=1),
        upvotes=2,
    ),
    dict(
        arxiv_id=OLD,
        title="Strings on branes",
        abstract="An old paper with an old-style identifier.",
        categories=("hep-th",),
    ),
]


@dataclass(frozen=True)
class Site:
    settings: Settings
    sessions: object  # the sessionmaker of the site's database
    token: str  # ada's API token
    bob_token: str


def make_site(backend: str, request, tmp_path, embedder) -> Site:
    url = database_for(backend, request, tmp_path, prefix="mcp")
    settings = Settings(
        database_url=url,
        index_dir=tmp_path / "index",
        rate_limit_mcp="1000/minute",  # the rate-limit test lowers it for itself
        embed_after_ingest=False,
        _env_file=None,
    )
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    posted = NOW - timedelta(hours=2)
    records = [
        PaperRecord.build(
            authors=("Ada Lovelace", "Alan Turing"),
            published_at=posted,
            submitted_at=posted if fields.get("feed_day") else None,
            **fields,
        )
        for fields in PAPERS
    ]
    with session_scope(sessions) as session:
        report = upsert_records(session, records, source="test", now=NOW)
    assert not report.failed, report.failed
    embed_missing(sessions, embedder)
    ada = make_account(sessions, "ada")
    bob = make_account(sessions, "bob")
    with session_scope(sessions) as session:
        follow_category(session, ada.id, "cs.CV", now=NOW)
    token, bob_token = new_token(sessions, ada), new_token(sessions, bob)
    return Site(settings, sessions, token, bob_token)


@asynccontextmanager
async def http_client(url: str, token: str | None = None, mode: str = "auto"):
    """The SDK's client on ``url``/mcp, with ``Authorization: Bearer token`` if given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
        transport = streamable_http_client(url + "/mcp", http_client=http)
        async with Client(transport, mode=mode) as client:
            yield client


def run(coro):
    return asyncio.run(coro)


def text_of(result) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


def ids_of(result, key: str = "papers") -> list[str]:
    items = result.structured_content[key]
    return [item["paper"]["id"] if "paper" in item else item["id"] for item in items]
