"""The HTML rendering arXiv publishes for a paper (``arxiv.org/html/<id>v<n>``, LaTeXML output):
fetched here, then read into Markdown and passages (docs/fulltext.md).

Fetch and parse are apart, as in the other sources: :func:`fetch_page` is one polite GET
through the shared :class:`~paperfeed.ingest.http.Fetcher` (None when arXiv answers 404: no
HTML for this paper); :func:`parse_page` turns the bytes into a :class:`FullText`, a
:class:`NoHtml` (arXiv's 200 stub page saying there is no HTML for this paper, not an error),
or raises :class:`PageRejected` for a page that is huge, truncated or not LaTeXML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from paperfeed.ingest.http import Fetcher, Missing
from paperfeed.text.latexml import NotLatexml, parse_document, to_markdown
from paperfeed.text.passages import Passage, split_passages

# arXiv's "No HTML for '<id>'" page, served with 200 where no conversion exists.
_STUB = re.compile(rb"No HTML for\b|HTML is not available for the source", re.IGNORECASE)
_END = re.compile(rb"</html\s*>\s*$", re.IGNORECASE)


class PageRejected(ValueError):
    """A page that cannot be read into full text: recorded as a failure and retried later."""


@dataclass(frozen=True)
class FullText:
    markdown: str  # the body, its footnotes, then the bibliography
    passages: list[Passage]  # of the body and footnotes (the bibliography is not searched)


@dataclass(frozen=True)
class NoHtml:
    reason: str


def page_url(base_url: str, arxiv_id: str, version: int | None) -> str:
    suffix = f"v{version}" if version else ""
    return f"{base_url.rstrip('/')}/{quote(arxiv_id, safe='./')}{suffix}"


def fetch_page(fetcher: Fetcher, base_url: str, arxiv_id: str, version: int | None) -> bytes | None:
    """The page's bytes, or None if arXiv has nothing at its URL (404, 410)."""
    try:
        return fetcher.get(page_url(base_url, arxiv_id, version))
    except Missing:
        return None


def parse_page(body: bytes, *, max_bytes: int) -> FullText | NoHtml:
    """The full text in ``body``; NoHtml for arXiv's stub; PageRejected if unreadable."""
    if len(body) > max_bytes:
        raise PageRejected(f"page is {len(body):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        article = parse_document(body)
    except NotLatexml as exc:
        if _STUB.search(body[:20_000]):
            return NoHtml("arXiv has no HTML rendering of this paper")
        raise PageRejected(str(exc)) from None
    if not _END.search(body[-200:]):
        raise PageRejected("truncated page (it does not end with </html>)")
    body_md, bibliography_md = to_markdown(article)
    if not body_md.strip():
        raise PageRejected("LaTeXML page with no text in it")
    markdown = "\n\n".join(p for p in (body_md, bibliography_md) if p) + "\n"
    return FullText(markdown, split_passages(body_md))
