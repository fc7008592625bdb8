"""A paper card's body, rendered once per content and reused by every page and reader.

A card is the same for everyone except its upvote and save buttons (the viewer's state, a
log-in link back to the page for an anonymous reader) and a member's feedback buttons. The
rest, the body (thumbnail, title, abstract, meta line), is most of a card's work: LaTeX to
MathML, the abstract's excerpt and paragraphs, escaping, the author links. Fifty cards made
~60% of a search page's render (docs/benchmarks.md, "Search without the cache").

A body is kept under the values of the fields it shows, so a change to any of them (an
edited title, a new comment count, GitHub stars, a featured mark) is another key and a stale
body is never served; there is nothing to invalidate. The year is part of the key too: a
date within the current year leaves the year out. The store is bounded by the bytes of its
keys' texts and its bodies and read without a lock (paperfeed/byte_cache.py); a body is ~2-4 kB.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup

from paperfeed.byte_cache import ByteBoundedCache
from paperfeed.service.views import PaperView

TEMPLATE = "_card_body.html"
CACHE_BYTES = 32 * 1024 * 1024


def _key(paper: PaperView, year: int) -> tuple:
    # every field _card_body.html reads
    return (
        paper.arxiv_id,
        paper.title,
        paper.abstract,
        paper.authors,
        paper.published_at,
        paper.thumbnail,
        paper.featured,
        paper.github_repo,
        paper.github_stars,
        paper.project_page,
        paper.organization,
        paper.num_comments,
        paper.submitted_by,
        year,
    )


def _entry_bytes(key: tuple, body: str) -> int:
    return sys.getsizeof(body) + sum(sys.getsizeof(part) for part in key[:4]) + 200


class CardBodies:
    """The kept bodies of one templates environment; :meth:`global_function` is the
    templates' ``card_body(paper)``."""

    def __init__(self, env: Environment, max_bytes: int = CACHE_BYTES):
        self._template = env.get_template(TEMPLATE)  # once: the templates do not change
        self._store = ByteBoundedCache(max_bytes, _entry_bytes)  # read without a lock

    def body(self, paper: PaperView, now: datetime | None) -> Markup:
        year = (now or datetime.now(UTC)).year
        key = _key(paper, year)
        html = self._store.get(key)
        if html is None:
            html = Markup(self._template.render(paper=paper, now=now))  # noqa: S704 (autoescaped render)
            self._store.put(key, html)  # a body larger than the whole bound is not kept
        return html

    def clear(self) -> None:
        self._store.clear()

    def global_function(self):
        @pass_context
        def card_body(ctx: Any, paper: PaperView) -> Markup:
            return self.body(paper, ctx.get("now"))

        card_body.bodies = self  # type: ignore[attr-defined]  (benchmarks clear it)
        return card_body
