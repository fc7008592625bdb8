"""Reference files (BibTeX, RIS, CSL-JSON) -> the few fields an import matches papers on.

What Zotero, Mendeley, Google Scholar and JabRef export is read by the maintained parser of
each format (:mod:`paperfeed.library.reference_readers`); this module holds what every
format shares: the limits, the decoding, the detection of the format and the result.

The limits are checked before any parser runs, on the cheapest thing that tells: the size
in bytes, then the text's encoding, then a count of entry starts (``@type{`` lines, ``TY  -``
tags, JSON array items). A file over a limit is refused whole with a message that says
which limit and what to do; a file within them is read entry by entry, and an entry the
parser cannot read, or with a field longer than :attr:`ImportLimits.max_field_chars`, is
reported as skipped, never guessed at.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from paperfeed.errors import InvalidInput

FORMATS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}

_BIBTEX_START = re.compile(r"^[ \t]*@(?!(?:comment|string|preamble)\b)\w+[ \t]*[{(]", re.M | re.I)
_RIS_START = re.compile(r"^TY  -", re.M)


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 10 * 2**20
    max_entries: int = 5_000
    max_field_chars: int = 20_000  # any one field; an abstract is rarely over 3,000
    max_title_chars: int = 1_000


@dataclass(frozen=True)
class Reference:
    """One entry of a file: where it is (``number``, 1-based), how the member called it
    (``label``: the citation key, else the title) and what it can be matched on."""

    number: int
    label: str
    title: str = ""
    arxiv_id: str | None = None  # bare, no version
    doi: str | None = None  # lower-cased, without a resolver prefix
    written_title: str = ""  # the title as written, when it has LaTeX ("MVD$^2$: ...")


@dataclass(frozen=True)
class Skipped:
    number: int
    label: str
    reason: str


@dataclass(frozen=True)
class ParsedFile:
    format: str  # a key of FORMATS
    references: list[Reference]
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return len(self.references) + len(self.skipped)


class TooLarge(InvalidInput):
    """A file over a size or entry limit (HTTP 413)."""

    status = 413


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) or UTF-16 with its mark; anything else is
    refused with the position of the first bad byte, never decoded as mojibake."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The file is not valid {encoding.upper()}: byte {exc.start + 1:,} "
            f"(0x{body[exc.start]:02x}) cannot be decoded. Export it again as UTF-8 "
            "(Zotero, Mendeley and JabRef all offer it)."
        ) from None
    if "\x00" in text:
        raise InvalidInput(
            "The file contains NUL characters: it is a binary file (a PDF or a database?), "
            "not BibTeX, RIS or CSL-JSON text."
        )
    return text


def detect_format(text: str) -> str:
    """Which of FORMATS ``text`` is, from how it starts; InvalidInput if none."""
    head = text.lstrip()
    if head.startswith(("[", "{")) and not _BIBTEX_START.search(text[:2000]):
        return "csl-json"
    if _RIS_START.search(text):
        return "ris"
    if _BIBTEX_START.search(text):
        return "bibtex"
    raise InvalidInput(
        "This file is not BibTeX, RIS or CSL-JSON: found no BibTeX entry (@article{...}), "
        "no RIS record (TY  - ...) and no CSL-JSON array. Export the library again in one "
        "of these formats."
    )


def count_entries(text: str, fmt: str) -> int:
    """Entry starts, counted without parsing (the JSON one counts after ``json.loads``)."""
    pattern = _RIS_START if fmt == "ris" else _BIBTEX_START
    return sum(1 for _ in pattern.finditer(text))


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.3g} MiB"
    return f"{n / 2**10:.3g} KiB" if n >= 2**10 else f"{n} bytes"


def check_size(size: int, limits: ImportLimits) -> None:
    if size > limits.max_bytes:
        raise TooLarge(
            f"The file is {_size(size)}; an import takes at most {_size(limits.max_bytes)}. "
            "Split it into smaller files (nothing was imported)."
        )
    if size == 0:
        raise InvalidInput("The file is empty.")


def check_entries(count: int, limits: ImportLimits) -> None:
    if count > limits.max_entries:
        raise TooLarge(
            f"The file has {count:,} entries; an import takes at most {limits.max_entries:,}. "
            "Split it into smaller files (nothing was imported)."
        )
