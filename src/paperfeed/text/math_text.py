"""One formula's LaTeX as a Unicode approximation for plain text: ``^2`` -> ², ``\\pi`` -> π,
``\\mathbb{R}^{d}`` -> ℝᵈ, ``\\frac{a}{b}`` -> a/b; None when a command is left that nothing
knew (the caller shows the source then, which says more than half a conversion).

The symbol, combining-mark and script tables are unicodeit's (MIT); its own ``replace()``
is not used: it runs 4,257 ``str.replace`` calls per formula (11 ms, measured) and matches
prefixes, so ``\\log`` came out "łog". Here each command is looked up whole, once.
"""

from __future__ import annotations

import re

from unicodeit.data import COMBININGMARKS, REPLACEMENTS, SUBSUPERSCRIPTS

_SYMBOLS = dict(REPLACEMENTS)
_MARKS = {name[1:]: mark for name, mark in COMBININGMARKS}
_SUPER = {k[1:]: v for k, v in SUBSUPERSCRIPTS if k[0] == "^" and len(k) == 2}
_SUB = {k[1:]: v for k, v in SUBSUPERSCRIPTS if k[0] == "_" and len(k) == 2}

_FUNCTION = re.compile(
    r"\\(log|ln|lg|exp|max|min|sup|inf|lim|sin|cos|tan|tanh|arg|det|dim|ker|deg|gcd|Pr"
    r"|argmax|argmin)(?![A-Za-z])"
)
_TEXT = re.compile(
    r"\\(?:text|textrm|textit|textbf|texttt|textsf|textsc|mathrm|mathit|mathsf|mathtt"
    r"|operatorname\*?|mbox|emph|boldsymbol|bm|mathbf|mathbfit)\s*\{([^{}]*)\}"
)
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_SPACING = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z])|\\[,;:! ]|\\q?quad(?![A-Za-z])")
_MARK = re.compile(r"\\([A-Za-z]+)\s*\{([^{}])\}")
_SYMBOL = re.compile(r"\\[A-Za-z]+(?:\{[^{}]\})?|\\[^A-Za-z\s]")
_SCRIPT = re.compile(r"([\^_])\s*(?:\{([^{}]*)\}|([^\s\\{}]))")
_COMMAND = re.compile(r"\\[A-Za-z]")


def math_to_plain(latex: str) -> str | None:
    s = _FUNCTION.sub(r"\1", latex)
    s = _TEXT.sub(r"\1", s)
    s = _FRAC.sub(lambda m: f"{_group(m[1])}/{_group(m[2])}", s)
    s = _SQRT.sub(lambda m: "√" + _group(m[1]), s)
    s = _SPACING.sub(" ", s)
    s = _MARK.sub(_mark, s)
    s = _SYMBOL.sub(_symbol, s)
    s = _SCRIPT.sub(_script, s)
    s = s.replace("{", "").replace("}", "")
    if not s.strip() or _COMMAND.search(s):
        return None
    return " ".join(s.split())


def _group(s: str) -> str:
    return s if len(s) <= 1 or s.isalnum() else f"({s})"


def _mark(m: re.Match) -> str:
    mark = _MARKS.get(m[1])
    if mark is None:
        return m[0]  # \mathbb{R} and friends: a symbol, looked up next
    return m[2] + mark


def _symbol(m: re.Match) -> str:
    found = _SYMBOLS.get(m[0])
    if found is not None:
        return found
    if len(m[0]) == 2:  # \% \$ \_ \{ ...: the character itself
        return m[0][1]
    if "{" in m[0]:  # \mathbb{x} unknown for x: the command alone, then the argument
        command, arg = m[0].split("{", 1)
        return _SYMBOLS.get(command, command) + arg.rstrip("}")
    return m[0]


def _script(m: re.Match) -> str:
    table = _SUPER if m[1] == "^" else _SUB
    inner = m[2] if m[2] is not None else m[3]
    if inner and all(c in table for c in inner):
        return "".join(table[c] for c in inner)
    return m[1] + (inner if len(inner) <= 1 else f"({inner})")
