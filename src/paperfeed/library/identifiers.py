"""The arXiv id, DOI and normalised title of a reference, wherever a reference manager put them.

arXiv ids turn up in many places: BibTeX ``eprint`` (with ``archivePrefix = {arXiv}``) or
Mendeley's ``arxivId``, a URL (``arxiv.org/abs/...``, ``/pdf/...``, Hugging Face's
``/papers/...``), Zotero's ``note = {arXiv:2401.00001 [cs]}``, Google Scholar's
``journal = {arXiv preprint arXiv:2401.00001}``, and arXiv's own DOIs
(``10.48550/arXiv.2401.00001``). Fields are tried in the order given; the first id wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from paperfeed.arxiv_ids import ID_PATTERN, match_arxiv_id
from paperfeed.text.latex import to_plain_text

# "arXiv:2401.00001", "arXiv 2401.00001", "arXiv.2401.00001" (DOIs), arxiv.org / HF URLs.
_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/|\barxiv[:.\s]\s*)({ID_PATTERN})",
    re.I,
)
_DOI = re.compile(r"\b(10\.\d{4,9}/\S+)", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _bare(candidate: str) -> str | None:
    found = match_arxiv_id(candidate.rstrip(".,;)]"))
    return found[0] if found else None


def arxiv_id_in(eprints: Iterable[str], texts: Iterable[str]) -> str | None:
    """The bare arXiv id of the first ``eprints`` value that is one, else the first one
    written in ``texts`` (URLs, notes, journal fields, DOIs)."""
    for value in eprints:
        bare = _bare(value.strip()) if value else None
        if bare:
            return bare
    for value in texts:
        for m in _IN_TEXT.finditer(value or ""):
            bare = _bare(m.group(1))
            if bare:
                return bare
    return None


def normalise_doi(value: str | None) -> str | None:
    """``10.x/y`` lower-cased (DOIs are case-insensitive) without a resolver prefix; None if
    ``value`` holds no DOI."""
    if not value:
        return None
    m = _DOI.search(_DOI_PREFIX.sub("", value.strip()))
    return m.group(1).rstrip(".,;").lower() if m else None


def title_key(title: str) -> str:
    """What two spellings of one title share: LaTeX read as text (``MVD$^2$`` = MVD²),
    accents folded, leftover commands, braces and punctuation dropped, lower case, single spaces. ``{BERT}: Pre-training`` and
    ``BERT - pre-training`` give the same key."""
    text = _LATEX_COMMAND.sub(" ", to_plain_text(title))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_WORD.sub(" ", text).split())
