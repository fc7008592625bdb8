"""One formula's LaTeX as MathML that is safe to put in a page, or None when it cannot be.

latex2mathml does the conversion; what it returns is parsed and checked here before a page
gets it, because it copies text through as is (``\\text{<b>x</b>}`` comes out as a ``<b>``
element, ``\\href{javascript:...}`` as an ``href`` attribute). So the output is built again from
the parsed tree: only MathML elements and presentation attributes are kept (no ``style``,
``href``, colours or event handlers: the CSP allows no inline styles), text is escaped by the
serializer. A formula latex2mathml fails on, or passes through an unknown command of
(``<mi>\\foo</mi>``), gets None: the caller shows its source instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mover munder"
    " munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose mfenced"
    " mmultiscripts mprescripts none".split()
)
ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence form separator separators lspace rspace accent"
    " accentunder linethickness columnalign rowalign columnspacing rowspacing columnlines"
    " rowlines frame width height depth minsize maxsize movablelimits symmetric largeop"
    " mathsize scriptlevel displaystyle notation open close voffset".split()
)
TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
_XMLNS = re.compile(r'\sxmlns="[^"]*"')
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")


class Unsupported(ValueError):
    """latex2mathml's output holds something a page may not show, or a command it did not know."""


def to_mathml(latex: str, *, display: bool = False) -> str | None:
    """``latex`` (without its ``$`` delimiters) as a ``<math>`` element, or None."""
    if not latex.strip():
        return None
    try:
        raw = convert(latex, display="block" if display else "inline")
        # No DTD can be declared mid-document (the string starts with <math>), so no entity
        # expansion: what defusedxml guards against cannot happen here.
        root = ET.fromstring(_XMLNS.sub("", raw, count=1))  # noqa: S314
        _check(root)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds; any means "show source"
        return None
    root.set("alttext", " ".join(latex.split()))
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def _check(root: ET.Element) -> None:
    for el in root.iter():
        if el.tag not in ELEMENTS:
            raise Unsupported(el.tag)
        for name in list(el.attrib):
            if name not in ATTRIBUTES:
                del el.attrib[name]
        if el.tag in TOKENS and el.text and _UNKNOWN_COMMAND.search(el.text):
            raise Unsupported(el.text)
