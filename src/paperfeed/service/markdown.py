"""Comment Markdown -> safe HTML: markdown-it-py, then the nh3 (Ammonia) allow-list sanitizer.

Two independent layers, so that one mistake is not enough for script to get through:

1. markdown-it-py in CommonMark mode with raw HTML turned off: ``<script>`` typed in a comment
   is escaped as text, and its link validator refuses ``javascript:``, ``vbscript:``,
   ``file:`` and ``data:`` URLs. Images are turned off (no tracking pixels, no remote loads).
2. nh3 keeps only the tags and attributes in :data:`TAGS` / :data:`ATTRIBUTES`, only
   ``http``, ``https`` and ``mailto`` URLs, and gives every link
   ``rel="nofollow ugc noopener"``.

Rendering happens every time a comment is shown (the store keeps the Markdown only), so a
stricter policy here applies to old comments too.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
# markdown-it writes table alignment as style="text-align:..."; nothing else is allowed.
STYLE_PROPERTIES = frozenset({"text-align"})


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")
    return md


_MD = _parser()


def render_markdown(source: str) -> str:
    """Sanitized HTML for ``source``: safe to put in a page as is."""
    return sanitize(_MD.render(source))


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of ``html``."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
    )
