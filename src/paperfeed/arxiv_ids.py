"""arXiv identifiers: recognise them in ids, URLs and queries; split off the version.

The vocabulary of every layer (ingest, search, service, web); it imports none of them.
"""

from __future__ import annotations

import re

from paperfeed.errors import InvalidInput

# New style since 2007-04: YYMM.NNNN (to 2014-12) or YYMM.NNNNN; old style: archive(.SC)/YYMMNNN.
_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_URL_RE = re.compile(
    rf"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org|huggingface\.co)/"
    rf"(?:abs|pdf|papers|html)/(?P<rest>(?:{_NEW}|{_OLD})(?:v\d+)?)(?:\.pdf)?/?(?:[?#].*)?$"
)
_PREFIX_RE = re.compile(r"^arxiv:\s*", re.IGNORECASE)
# An id as written in a URL path: an optional ``arXiv:`` prefix, the id, an optional version.
# Unanchored, for the web layer's path convertor; a full match is also a match_arxiv_id match.
ID_PATTERN = rf"(?:(?i:arxiv):)?(?:{_NEW}|{_OLD})(?:v\d+)?"


def match_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return ``(id, version)`` if ``text`` is an arXiv id or an arXiv/HF paper URL, else None."""
    text = _PREFIX_RE.sub("", text.strip())
    url = _URL_RE.match(text)
    if url:
        text = url.group("rest")
    m = _ID_RE.match(text)
    if not m:
        return None
    version = m.group("version")
    return m.group("id"), int(version) if version else None


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Like :func:`match_arxiv_id` but raise :class:`InvalidInput` with an actionable message."""
    found = match_arxiv_id(text)
    if found is None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InvalidInput(
            f"{shown!r} is not an arXiv id; expected e.g. 2406.12345, 2406.12345v2, "
            "hep-th/9901001 or https://arxiv.org/abs/2406.12345"
        )
    return found
