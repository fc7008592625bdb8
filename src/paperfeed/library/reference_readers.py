"""Read a reference file into :class:`~paperfeed.library.references.Reference` entries.

BibTeX through bibtexparser 2 (its splitter keeps going after a broken entry and hands it
back as a failed block, which we report), RIS through rispy, CSL-JSON through the standard
``json`` module (CSL-JSON is plain JSON with a published schema; there is no maintained
Python reader that adds anything but a dependency). LaTeX in titles (``J{\"u}rgen``,
``$^3$``) is read by :func:`paperfeed.text.latex.to_plain_text`, on the title only:
bibtexparser's ``LatexDecodingMiddleware`` decodes every field with pylatexenc, and made a
1,000-entry Zotero file with abstracts take 60 s instead of 0.5 s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

import bibtexparser
import rispy

from paperfeed.errors import InvalidInput
from paperfeed.library.identifiers import arxiv_id_in, normalise_doi
from paperfeed.library.references import (
    FORMATS,
    ImportLimits,
    ParsedFile,
    Reference,
    Skipped,
    check_entries,
    check_size,
    count_entries,
    decode_text,
    detect_format,
)
from paperfeed.text.latex import to_plain_text

logger = logging.getLogger(__name__)

# Fields that may hold an arXiv id in running text, per format, most telling first.
_BIBTEX_TEXTS = ("url", "doi", "note", "journal", "howpublished", "number", "annote", "eprint")
_RIS_TEXTS = ("urls", "doi", "notes", "journal_name", "alternate_title3", "number", "note")
_CSL_TEXTS = ("URL", "DOI", "number", "note", "container-title", "archive_location", "source")


def parse_file(data: bytes, fmt: str | None, limits: ImportLimits) -> ParsedFile:
    """``data`` as ``fmt`` (one of FORMATS, or None to detect it); limits as in
    :mod:`paperfeed.library.references`. Raises InvalidInput (TooLarge over a limit)."""
    check_size(len(data), limits)
    text = decode_text(data)
    if fmt is None:
        fmt = detect_format(text)
    elif fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt[:20]!r}; expected one of {', '.join(FORMATS)}.")
    reader = {"bibtex": _read_bibtex, "ris": _read_ris, "csl-json": _read_csl_json}[fmt]
    references, skipped = reader(text, limits)
    if not references and not skipped:
        raise InvalidInput(
            f"No {FORMATS[fmt]} entries found in the file. Is it really {FORMATS[fmt]}? "
            "Leave the format on automatic to have it detected."
        )
    return ParsedFile(fmt, references, skipped)


def _entry(
    number: int,
    label: str,
    fields: dict[str, str],
    eprints: Iterable[str],
    texts: Iterable[str],
    limits: ImportLimits,
) -> Reference | Skipped:
    """One entry's reference, or why it is skipped (a field over the limits)."""
    for name, value in fields.items():
        if len(value) > limits.max_field_chars:
            return Skipped(
                number,
                label,
                f"field {name!r} is longer than the limit ({limits.max_field_chars:,} characters)",
            )
    title = " ".join(fields.get("title", "").split())
    if len(title) > limits.max_title_chars:
        return Skipped(
            number, label[:100], f"title is longer than {limits.max_title_chars:,} characters"
        )
    plain = to_plain_text(title).replace("{", "").replace("}", "")
    return Reference(
        number=number,
        label=(label or plain or f"entry {number}")[:200],
        title=plain,
        written_title=title if title != plain else "",
        arxiv_id=arxiv_id_in(eprints, (fields.get(name, "") for name in texts)),
        doi=normalise_doi(fields.get("doi") or fields.get("DOI")),
    )


def _read_bibtex(text: str, limits: ImportLimits) -> tuple[list[Reference], list[Skipped]]:
    check_entries(count_entries(text, "bibtex"), limits)
    library = bibtexparser.parse_string(text)
    references: list[Reference] = []
    skipped: list[Skipped] = []
    number = 0
    for block in library.blocks:
        if isinstance(block, bibtexparser.model.Entry):
            number += 1
            fields = {f.key.lower(): str(f.value) for f in block.fields}
            prefix = fields.get("archiveprefix", fields.get("eprinttype", "arxiv")).lower()
            eprints = [fields.get("arxivid", "")]
            if prefix == "arxiv":
                eprints.append(fields.get("eprint", ""))
            item = _entry(number, block.key, fields, eprints, _BIBTEX_TEXTS, limits)
        elif isinstance(block, bibtexparser.model.ParsingFailedBlock):
            number += 1
            line = (block.start_line or 0) + 1
            why = str(block.error).split("\n")[0][:200] or "a brace or quote is not closed"
            item = Skipped(number, f"line {line}", f"not readable as BibTeX ({why})")
        else:
            continue
        (references if isinstance(item, Reference) else skipped).append(item)
    return references, skipped


def _read_ris(text: str, limits: ImportLimits) -> tuple[list[Reference], list[Skipped]]:
    check_entries(count_entries(text, "ris"), limits)
    try:
        records = rispy.loads(text, skip_unknown_tags=True)
    except (OSError, ValueError, KeyError) as exc:  # rispy's errors for malformed files
        raise InvalidInput(f"This is not readable RIS: {exc}") from None
    return _collect(records, limits, _ris_entry)


def _ris_entry(number: int, record: dict, limits: ImportLimits) -> Reference | Skipped:
    fields = {
        key: "\n".join(map(str, value)) if isinstance(value, list) else str(value)
        for key, value in record.items()
    }
    fields["title"] = fields.get("title") or fields.get("primary_title", "")
    label = fields.get("id") or fields.get("label") or fields["title"]
    eprints = [fields.get("accession_number", "")]
    return _entry(number, label, fields, eprints, _RIS_TEXTS, limits)


def _read_csl_json(text: str, limits: ImportLimits) -> tuple[list[Reference], list[Skipped]]:
    try:
        items = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"This is not valid JSON: {str(exc)[:200]}") from None
    if isinstance(items, dict):  # one item, as some tools write it
        items = [items]
    if not isinstance(items, list):
        raise InvalidInput("CSL-JSON is an array of items ([{...}, ...]); this JSON is not.")
    check_entries(len(items), limits)
    return _collect(items, limits, _csl_entry)


def _csl_entry(number: int, item: object, limits: ImportLimits) -> Reference | Skipped:
    if not isinstance(item, dict):
        return Skipped(number, f"item {number}", "not a CSL-JSON item (an object)")
    fields = {
        str(k): v if isinstance(v, str) else str(v)
        for k, v in item.items()
        if isinstance(v, str | int | float)
    }
    label = fields.get("id") or fields.get("citation-key") or fields.get("title", "")
    eprints = [fields.get("arxiv", ""), fields.get("archive_location", "")]
    return _entry(number, label, fields, eprints, _CSL_TEXTS, limits)


def _collect(
    items: list, limits: ImportLimits, make: Callable[[int, object, ImportLimits], object]
) -> tuple[list[Reference], list[Skipped]]:
    references: list[Reference] = []
    skipped: list[Skipped] = []
    for number, item in enumerate(items, 1):
        made = make(number, item, limits)
        (references if isinstance(made, Reference) else skipped).append(made)
    return references, skipped
