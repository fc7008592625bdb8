"""Text that someone typed, shown in an email to an address that may not be theirs (a
subscription topic in its confirmation email and its digests), so that no mail client turns it
into a link: otherwise the confirmation email would carry any URL a stranger chose to any
inbox, from our server.

Mail clients link ``scheme:`` URLs, ``www.`` names, bare domain names and addresses; every one
of them needs a dot, a colon or an ``@`` between two non-space characters. Those characters are
shown as ``[.]``, ``[:]`` and ``[@]`` (the usual "defanged" spelling: ``evil[.]example``),
after NFKC folds full-width and other look-alike dots, colons and letters into plain ones (IDNA
treats ``。`` and ``．`` as dots too). Text over ``limit`` characters is cut to ``limit``,
ending in ``…`` (before the breaks are added). The result is plain text: HTML templates still
escape it.
"""

from __future__ import annotations

import re
import unicodedata

# U+3002 IDEOGRAPHIC FULL STOP: a label separator for IDNA, which NFKC leaves as it is
# (it folds U+FF0E and U+FF61 into "." and "。").
_BREAKABLE = re.compile(r"(?<=\S)([.:@\u3002])(?=\S)")


def unlinked(text: str, limit: int) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _BREAKABLE.sub(r"[\1]", text)
