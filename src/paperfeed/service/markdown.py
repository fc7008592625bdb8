"""Comment Markdown -> safe HTML: markdown-it-py, then the nh3 (Ammonia) allow-list sanitizer.

Two independent layers, so that one mistake is not enough for script to get through:

1. markdown-it-py in CommonMark mode with raw HTML turned off: ``<script>`` typed in a comment
   is escaped as text, and its link validator refuses ``javascript:``, ``vbscript:``,
   ``file:`` and ``data:`` URLs. Images are turned off (no tracking pixels, no remote loads).
2. nh3 keeps only the tags and attributes in :data:`TAGS` / :data:`ATTRIBUTES`, only
   ``http``, ``https`` and ``mailto`` URLs, and gives every link
   ``rel="nofollow ugc noopener"``.

A comment is rendered once, when it is written or edited, and its HTML is stored
(``comments.body_html``); a stricter policy here applies to old comments only once they are
rendered again (migration 0010 shows how).

The cost of one render is bounded by the input's shape (issue 12). Comments are at most
10,000 characters (service/comments.py), and markdown-it-py is linear in that length except
for one multiplier: at every ``[`` the link rule scans ahead for its ``]``, and an open
bracket inside that scan starts a nested scan, up to ``maxNesting`` (20) deep, each walking
the rest of the paragraph character by character when the text is all punctuation. So
``![`` x 5,000 took ~90 ms, ``[`` x 19 then ``!`` x 9,981 ~140 ms, against 0.2 ms for 10,000
characters of prose. Text whose open brackets nest deeper than :data:`MAX_BRACKET_DEPTH`
is rendered with the link rule off: its brackets stay as typed (``<https://...>`` autolinks
still work), and what is left is linear (10,000 characters of emphasis markers are the worst
shape found, tens of ms; docs/benchmarks.md has the sweep).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
# Table alignment: markdown-it writes style="text-align:..."; the site's Content-Security-Policy
# refuses inline styles (http/security_headers.py), so it becomes one of these classes
# (app.css), the only classes allowed.
ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})


MAX_BRACKET_DEPTH = 2  # "[a [b](u)](v)" still parses as Markdown says; deeper is not prose
# What may hide a "]" from markdown-it's label scan: a code span, an <autolink>.
_CODE_RUN = re.compile(r"`+")
_ANGLE = re.compile(r"<[^<>\n]*>")
# A fenced code block at the top level (its text is never parsed for links): opened at the
# start of a line (so it is in no list or quote, which could end it early) by 3+ backticks
# (none after them) or tildes, closed by a line of at least as many; unclosed, to the end.
_FENCE = re.compile(
    r"^(?P<fence>`{3,}(?=[^`\n]*$)|~{3,})[^\n]*$(?P<code>.*?)(?:^ {0,3}(?P=fence)[`~]*[ \t]*$|\Z)",
    re.MULTILINE | re.DOTALL,
)


def _parser(*, links: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image"] if links else ["image", "link"])
    md.core.ruler.push("align_classes", _align_classes)
    return md


def _align_classes(state) -> None:
    """``style="text-align:right"`` on table cells -> ``class="align-right"``."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            align = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrs["class"] = f"align-{align}"


_MD = _parser()
_MD_NO_LINKS = _parser(links=False)


def render_markdown(source: str) -> str:
    """Sanitized HTML for ``source``: safe to put in a page as is."""
    md = _MD if links_are_cheap(source) else _MD_NO_LINKS
    return sanitize(md.render(source))


def links_are_cheap(source: str) -> bool:
    """Whether ``source``'s open square brackets nest at most :data:`MAX_BRACKET_DEPTH` deep,
    the shape for which the link rule's scans stay about linear (see the module docstring).

    Errs on the side of False where it cannot tell what markdown-it will see: outside fenced
    code blocks every ``[`` opens but an escaped one, and a ``]`` in what may be a code span
    or an ``<autolink>`` closes only a ``[`` of that same span."""
    if "[" not in source:
        return True
    source = source.replace("\r", "\n")  # as markdown-it reads line ends
    source = _FENCE.sub(lambda m: "\n" * m.group().count("\n"), source)
    region = [0] * len(source)  # which span (1, 2, ...) each character may be in; 0: none
    spans = [m.span() for m in _ANGLE.finditer(source)]
    runs: dict[int, list[int]] = {}  # backtick run length -> starts, in order
    for match in _CODE_RUN.finditer(source):
        runs.setdefault(len(match.group()), []).append(match.start())
    for length, starts in runs.items():  # a span may run to the next run of the same length
        spans += [(a, b + length) for a, b in zip(starts[::2], starts[1::2], strict=False)]
    for number, (start, end) in enumerate(spans, 1):
        region[start:end] = [number] * (end - start)
    depth = inner = 0  # open brackets; of which opened in the current span
    escaped = False
    current = 0
    for index, char in enumerate(source):
        if region[index] != current:
            current, inner = region[index], 0
        if char == "[" and not escaped:
            depth += 1
            inner += 1
            if depth > MAX_BRACKET_DEPTH:
                return False
        elif char == "]" and not escaped and (inner if current else depth):
            depth -= 1
            inner = max(inner - 1, 0)
        escaped = char == "\\" and not escaped
    return True


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of ``html``."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        allowed_classes={"th": set(ALIGN_CLASSES), "td": set(ALIGN_CLASSES)},
        strip_comments=True,
    )
