"""LaTeX in titles and abstracts, as readers should see it (docs/text-and-math.md).

arXiv and Hugging Face send titles and abstracts as their authors typed them: math between
``$...$`` (``MVD$^2$``, ``PanGu-$\\pi$``) and text-mode LaTeX (``na\\"{\\i}vely``, ``\\emph{...}``,
``--``, ``\\%``). The stored text stays as the source sent it; this module turns it into

- :func:`to_plain_text`: readable Unicode for plain-text surfaces (``<title>``, feeds, the text
  part of emails) and for what search indexes and embeds: text-mode macros become the
  characters they stand for, math becomes a Unicode approximation (``MVD²``, ``PanGu-π``);
- :func:`to_html`: the same text escaped for HTML, each formula as MathML (no JavaScript),
  a formula that cannot be converted shown as its source, never as an error or a blank.

Math is found by the rules below, checked on the 149,456 titles and abstracts of
arxiv-cs-daily-2025-2026 (bench/math_render.py): ``\\$`` is a dollar; ``$$...$$`` and
``\\[...\\]`` are display math, ``$...$`` and ``\\(...\\)`` inline; an inline ``$`` opens only
before a non-space and closes only after a non-space (Pandoc's rule), so "costs $5 and $10"
stays text, unless what it encloses is plainly LaTeX (a command, ``^``, ``_`` or ``{``:
"$\\textit{near} $"); inline math holds no ``$``, so only the next one can close it; two
words in a row outside any command (``$10, while PanGu-$``) are prose, not a formula; a
formula that starts with a digit does not close before a digit ("$5-$10"), but others do
("2000$\\times$3000", "$\\approx$28k", which Pandoc's stricter rule leaves as text); a
``$`` that never closes is a dollar sign. URLs are kept verbatim (``~``, ``%`` and ``_`` in
them are not LaTeX).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from dataclasses import dataclass

from markupsafe import Markup, escape
from pylatexenc import latex2text, latexwalker, macrospec

from paperfeed.byte_cache import ByteBoundedCache
from paperfeed.text.math_text import math_to_plain as math_to_text
from paperfeed.text.mathml import to_mathml

# pylatexenc logs a warning for every \underline{} without its argument (and the like): on
# abstracts that is noise, and the text it produces is right anyway.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

# Both results are cached by text: measured per card with math (docs/text-and-math.md),
# converting costs far more than a lookup, and a page shows the same few hundred papers to
# every reader. Each cache is bounded by the bytes of its keys and values (an abstract and
# its HTML average ~3 kB), the least recently read first (about: CLOCK, byte_cache.py).
CACHE_BYTES = 8 * 1024 * 1024


def _entry_bytes(source, result) -> int:
    return sys.getsizeof(source) + sys.getsizeof(result)


_MISSING = object()


def _text_cache(function):
    """Memoise a one-argument text conversion in a cache bounded by ``CACHE_BYTES``, sized
    by each entry's key and value, read without a lock (paperfeed/byte_cache.py: behind a
    lock, request threads convoyed on it). A text larger than the whole bound is converted
    every time."""
    store = ByteBoundedCache(CACHE_BYTES, _entry_bytes)

    @functools.wraps(function)
    def lookup(source):
        result = store.get(source, _MISSING)
        if result is _MISSING:
            result = function(source)
            store.put(source, result)
        return result

    lookup.cache = store
    lookup.cache_clear = store.clear
    return lookup


@dataclass(frozen=True, slots=True)
class Math:
    """One formula: where it is in the source (delimiters included) and its LaTeX."""

    start: int
    end: int
    latex: str
    display: bool


def find_math(source: str) -> list[Math]:
    """The formulas of ``source``, in order, by the rules in the module docstring."""
    found: list[Math] = []
    if "$" not in source and "\\" not in source:  # most texts: str scans beat any regex
        return found
    n = len(source)
    at = _DELIMITER.search(source)
    while at is not None:
        i = at.start()
        nxt = i + 1
        if source[i] == "\\":
            nxt = i + 2  # an escaped character: \$ is a dollar, \\ a line break
            if i + 1 < n and source[i + 1] in "([":
                close = "\\)" if source[i + 1] == "(" else "\\]"
                j = source.find(close, i + 2)
                if j > i + 2 and "\n\n" not in source[i:j]:
                    found.append(Math(i, j + 2, source[i + 2 : j], source[i + 1] == "["))
                    nxt = j + 2
        elif source.startswith("$$", i):
            nxt = i + 2
            j = _closing_dollars(source, i + 2)
            if j is not None:
                found.append(Math(i, j + 2, source[i + 2 : j], True))
                nxt = j + 2
        else:
            j = _closing_dollar(source, i)
            if j is not None:
                found.append(Math(i, j + 1, source[i + 1 : j], False))
                nxt = j + 1
        at = _DELIMITER.search(source, nxt)
    return found


_DELIMITER = re.compile(r"[\\$]")


def _closing_dollars(source: str, start: int) -> int | None:
    j = source.find("$$", start)
    while j != -1 and source[j - 1] == "\\":
        j = source.find("$$", j + 1)
    if j == -1 or j == start or "\n\n" in source[start:j]:
        return None
    return j


def _closing_dollar(source: str, i: int) -> int | None:
    """The ``$`` closing the one at ``i``: the next unescaped ``$`` (inline math holds none),
    if it closes by the rules above and what it encloses is not prose."""
    n = len(source)
    if i + 1 >= n or source[i + 1] == "$":
        return None
    j = i
    while True:
        j = source.find("$", j + 1)
        if j == -1:
            return None
        if source[j - 1] != "\\":
            break
    content = source[i + 1 : j]
    if "\n\n" in content or not content.strip():
        return None
    spaced = content[0].isspace() or content[-1].isspace()
    if spaced and not _LATEX_MARK.search(content):
        return None  # Pandoc's rule, unless the content is plainly LaTeX ("$\\textit{x} $")
    if j + 1 < n and source[j + 1].isdigit() and content[0].isdigit():
        return None  # "$5-$10": a price range ("2000$\\times$3000" is math)
    if _PROSE.search(_COMMANDS.sub(" ", content)):
        return None  # "$10, while PanGu-$": between two dollars of prices, not a formula
    return j


_LATEX_MARK = re.compile(r"\\[A-Za-z]|[\^_{]")
# Words in a row outside any command's argument: math has none (\text{...} holds them).
_PROSE = re.compile(r"[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}")
_COMMANDS = re.compile(r"\\[A-Za-z]+\*?\s*(?:\{[^{}]*\})?")


# ---------------------------------------------------------------- plain text


@_text_cache
def to_plain_text(source: str | None) -> str:
    """``source`` as readable Unicode: ``na\\"{\\i}vely`` -> naïvely, ``MVD$^2$`` -> MVD²."""
    if not source:
        return ""
    out: list[str] = []
    pos = 0
    for m in find_math(source):
        out.append(text_to_plain(source[pos : m.start]))
        out.append(math_to_plain(m.latex, source[m.start : m.end]))
        pos = m.end
    out.append(text_to_plain(source[pos:]))
    return "".join(out)


_TEXT_MARKS = ("\\", "{", "}", "~", "--", "``", "''")


def _has_latex(text: str) -> bool:
    # Seven C-speed substring scans: ~1 us on an abstract, where one regex took 67 us.
    return any(mark in text for mark in _TEXT_MARKS)


_URL = re.compile(r"(?:https?|ftp)://[^\s{}<>]+")
_SLOT0, _URL_SLOTS = 0xE000, 6400  # the Basic Multilingual Plane's private use area
_SLOT_CHARS = re.compile(f"[{chr(_SLOT0)}-{chr(_SLOT0 + _URL_SLOTS - 1)}]")  # a text's own
_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_URL_MACRO = re.compile(r"\\url\s*\{([^{}]*)\}")
# The pieces of text that are LaTeX, each converted on its own (pylatexenc over a whole
# abstract costs ~10 ms; over its few pieces ~0.3 ms): a command with its optional and
# braced arguments (one level of nesting), an accent or escape (\'e, \"{\i}, \%), a group
# ({\o}), dashes, TeX quotes, and a tie (Fig.~3). A ~ after a space or "(" is the author's
# "approximately" (" ~5%": 618 in arxiv-cs-daily-2025-2026, against 1,229 ties) and stays.
_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_ISLAND = re.compile(
    rf"\\[A-Za-z]+\*?(?:\s*\[[^\[\]{{}}]*\])*(?:\s*{_BRACED})*"
    rf"|\\[^A-Za-z\s](?:\s*{_BRACED}|[A-Za-z])?"
    rf"|{_BRACED}|---?|(?<=[^\s(])~"
)
# TeX quotes; many authors open with '' too (''news'' in arxiv-cs-daily-2025-2026)
_OPEN_QUOTE = re.compile(r"``|(?<![^\s(\[])''")
# A bare % or & is a percent or an ampersand in an abstract, not a comment or an alignment tab.
_BARE = re.compile(r"(?<!\\)([%&#])")
_STRAY_BRACE = re.compile(r"(?<!\\)[{}]")


def text_to_plain(text: str) -> str:
    """Text-mode LaTeX (no math) as Unicode; anything pylatexenc cannot read stays as is."""
    if not _has_latex(text):
        return text
    if "\\href" in text or "\\url" in text:
        text = _URL_MACRO.sub(r"\1", _HREF.sub(r"\2 (\1)", text))
    if "://" not in text:
        return _islands(text)
    # Each URL stands aside as one private-use character while the LaTeX around it is read,
    # so one inside an argument (\footnote{https://...}) keeps its command whole.
    urls = _URL.findall(text)
    if not urls or len(urls) > _URL_SLOTS or _SLOT_CHARS.search(text):
        return _islands(text)
    slots = iter(range(len(urls)))
    plain = _islands(_URL.sub(lambda _: chr(_SLOT0 + next(slots)), text))
    for n, url in enumerate(urls):
        plain = plain.replace(chr(_SLOT0 + n), url)
    return plain


def _islands(text: str) -> str:
    if not _has_latex(text):
        return text
    out: list[str] = []
    pos = 0
    for island in _ISLAND.finditer(text):
        # braces left between pieces are grouping that lost its command (\textbf{MVD$^2$})
        out.append(_STRAY_BRACE.sub("", text[pos : island.start()]))
        out.append(_latex_text(island.group()))
        pos = island.end()
    out.append(_STRAY_BRACE.sub("", text[pos:]))
    return _OPEN_QUOTE.sub("“", "".join(out)).replace("''", "”")


@_text_cache
def _latex_text(piece: str) -> str:
    try:
        walker = latexwalker.LatexWalker(
            _BARE.sub(r"\\\1", piece), latex_context=_WALKER_CONTEXT, tolerant_parsing=True
        )
        nodes = walker.get_latex_nodes()[0]
        return _TO_TEXT.nodelist_to_text(nodes)
    except Exception:  # noqa: BLE001 - a parser failure means: show what the source sent
        return piece


def _superscript(node, l2tobj=None, **_) -> str:
    inner = l2tobj.nodelist_to_text(node.nodeargd.argnlist[-1:]) if node.nodeargd else ""
    return math_to_text("^{" + inner + "}") or inner


_SWITCHES = (
    "tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge bf it em rm sf"
    " tt sc sl bfseries itshape mdseries upshape normalfont centering noindent xspace"
).split()


def _abbreviation(text: str):
    # Authors define \eg with \xspace: the space after it is theirs, not TeX's to eat.
    return lambda node, **_: text + (node.macro_post_space or "")


class _Text(latex2text.LatexNodes2Text):
    """pylatexenc's converter, except that a macro it does not know is not dropped: one with
    arguments (``\\texttt{RBED}``) shows them, one without (an author's own ``\\method``) is
    kept as written instead of vanishing from the sentence."""

    def macro_node_to_text(self, node) -> str:
        if self.latex_context.get_macro_spec(node.macroname) is None:
            args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a]
            if args:
                return "".join(self._groupnodecontents_to_text(a) for a in args)
            return "\\" + node.macroname + (node.macro_post_space or "")
        return super().macro_node_to_text(node)


_WALKER_CONTEXT = latexwalker.get_default_latex_context_db()
_WALKER_CONTEXT.add_context_category(
    "paperfeed",
    prepend=True,
    macros=[
        macrospec.MacroSpec("textsuperscript", "{"),
        macrospec.MacroSpec("uline", "{"),
        macrospec.MacroSpec("textcolor", "[{{"),
    ],
)
_TEXT_CONTEXT = latex2text.get_default_latex_context_db()
_TEXT_CONTEXT.add_context_category(
    "paperfeed",
    prepend=True,
    macros=[
        latex2text.MacroTextSpec("textsuperscript", simplify_repl=_superscript),
        latex2text.MacroTextSpec("uline", "%(1)s"),
        latex2text.MacroTextSpec("textcolor", "%(3)s"),
        latex2text.MacroTextSpec("color", discard=True),
        # font switches and sizes: how text looked, not what it says
        *(latex2text.MacroTextSpec(name, discard=True) for name in _SWITCHES),
        latex2text.MacroTextSpec("cite", discard=True),
        latex2text.MacroTextSpec("citep", discard=True),
        latex2text.MacroTextSpec("citet", discard=True),
        *(
            latex2text.MacroTextSpec(name, simplify_repl=_abbreviation(text))
            for name, text in (("eg", "e.g."), ("ie", "i.e."), ("etc", "etc."), ("etal", "et al."))
        ),
    ],
)
_TO_TEXT = _Text(latex_context=_TEXT_CONTEXT, math_mode="verbatim", strict_latex_spaces=False)


def math_to_plain(latex: str, source: str) -> str:
    """A formula as Unicode (``^2`` -> ², ``\\pi`` -> π); its ``source`` if that fails."""
    try:
        plain = math_to_text(latex)
    except Exception:  # noqa: BLE001 - a conversion failure means: show what the source sent
        return source
    return source if plain is None else plain


# ---------------------------------------------------------------- HTML


@_text_cache
def to_html(source: str | None) -> Markup:
    """``source`` for an HTML page: text as escaped Unicode, each formula as MathML, or as
    its escaped source when it cannot be converted."""
    if not source:
        return Markup("")
    out: list[str] = []
    pos = 0
    for m in find_math(source):
        out.append(escape(text_to_plain(source[pos : m.start])))
        mathml = to_mathml(m.latex, display=m.display)
        out.append(mathml if mathml is not None else escape(source[m.start : m.end]))
        pos = m.end
    out.append(escape(text_to_plain(source[pos:])))
    # every part is escaped text or MathML rebuilt from an allow-list (text/mathml.py)
    return Markup("".join(out))  # noqa: S704


def cut(source: str | None, limit: int) -> str:
    """The source's first ``limit`` characters (whitespace collapsed), cut at a word and
    never inside a formula, with an ellipsis; the whole text when it is short enough."""
    text = " ".join((source or "").split())
    if len(text) <= limit:
        return text
    formulas = find_math(text)
    end = limit
    for m in formulas:
        if m.start < end < m.end:
            end = m.start
    if end == limit:
        space = text.rfind(" ", 0, end)
        end = space if space > 0 else end
        for m in formulas:
            if m.start < end < m.end:
                end = m.start
    return text[:end].rstrip().rstrip(",;:.-").rstrip() + "…"
