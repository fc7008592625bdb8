"""Which of a paper page's two variants a request asks for: HTML or Markdown.

``/papers/{id}`` answers ``Accept: text/markdown`` with the paper's Markdown (as
huggingface.co does; docs/api.md#papers-as-markdown) and everything else with the HTML page.
There are only those two variants, so the response cache keys a paper page on this one bit,
never on the raw header (every browser sends a different one: keyed on it, the cache would
hold a copy of each page per browser).

The rule: Markdown when ``text/markdown`` is listed with a quality above zero that is higher
than HTML's (``text/html``, else ``text/*``, else ``*/*``), or as high and listed first
(agents send ``text/markdown, text/html, */*``; browsers list ``text/html`` first and
``*/*;q=0.8``).
"""

from __future__ import annotations

MARKDOWN = "text/markdown"
# Paths whose answer depends on the variant: a paper page (not its .md twin, not the API).
PAPER_PAGE_PREFIX = "/papers/"
MAX_ACCEPT = 2000  # longer headers are not read: HTML


def prefers_markdown(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for Markdown over HTML, by the rule above."""
    if not accept or MARKDOWN not in accept.lower() or len(accept) > MAX_ACCEPT:
        return False
    ranks: dict[str, tuple[float, int]] = {}  # media range -> (quality, -position)
    for position, item in enumerate(accept.lower().split(",")):
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranks.setdefault(kind, (quality, -position))
    markdown = ranks.get(MARKDOWN, (0.0, 0))
    html = ranks.get("text/html") or ranks.get("text/*") or ranks.get("*/*") or (0.0, 0)
    return markdown[0] > 0 and markdown > html


def markdown_variant(path: str, headers) -> bool:
    """For the response cache: whether the request for ``path`` (ASGI ``headers``, bytes
    pairs) is the Markdown variant of a paper page."""
    if not path.startswith(PAPER_PAGE_PREFIX) or path.endswith(".md"):
        return False
    for name, value in headers:
        if name == b"accept":
            return prefers_markdown(value.decode("latin-1"))
    return False
