"""The web server's background embedding: bounded rounds of the backfill job in a thread.

Each round embeds at most ``round_size`` papers (so a stop request is honoured within one
round), then calls ``after_round`` (the server brings its in-process vector index up to date
there). Failures are logged and retried next round: the server keeps serving keyword search.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from paperfeed.embed.job import embed_missing
from paperfeed.embed.keywords import compute_missing_keywords
from paperfeed.embed.model import Embedder, ModelUnavailable

logger = logging.getLogger(__name__)


class BackgroundEmbedder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        embedder: Embedder,
        *,
        interval: float,
        round_size: int = 256,
        after_round: Callable[[], object] | None = None,
        keywords: bool = False,
    ):
        self.sessions = sessions
        self.embedder = embedder
        self.interval = interval
        self.round_size = round_size
        self.after_round = after_round
        self.keywords = keywords  # then local keywords after each round (embed/keywords.py)
        self.rounds = 0  # finished rounds, for tests and /healthz
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paperfeed-embed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_round(self) -> int:
        """Embed up to ``round_size`` papers (then give up to as many their local keywords);
        return how many still need work."""
        report = embed_missing(self.sessions, self.embedder, limit=self.round_size)
        if report.embedded and self.after_round is not None:
            self.after_round()
        if not self.keywords:
            return report.remaining
        keywords = compute_missing_keywords(self.sessions, self.embedder, limit=self.round_size)
        return report.remaining + keywords.remaining

    def _run(self) -> None:
        while not self._stop.is_set():
            remaining = 0
            try:
                remaining = self.run_round()
            except ModelUnavailable as exc:
                logger.error("background embedding stopped: %s", exc)
                return  # the model will not appear by itself; restart the server once fixed
            except Exception:
                logger.exception("background embedding round failed; retrying later")
            self.rounds += 1
            # Keep going while there is a backlog; otherwise wait for new papers.
            if remaining == 0 and self._stop.wait(self.interval):
                return
