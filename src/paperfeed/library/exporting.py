"""Export a collection, or the whole library, as BibTeX, RIS or CSL-JSON.

Each paper is written as the arXiv preprint it is (BibTeX ``@misc`` with ``eprint``, RIS
``UNPB``, CSL ``article`` with ``number: arXiv:<id>``), so that every reference manager
and this instance's own import find it again by its arXiv id. The member's tags go to
``keywords`` / ``KW`` / ``keyword`` and their note to ``annote`` / ``N1`` / ``note``. In the
whole library a paper kept in several collections is written once, with the tags of all of
them and each distinct note. Papers the moderators removed are left out.

BibTeX is written by :mod:`paperfeed.service.bibtex` (the paper page's writer, through
bibtexparser), RIS by rispy, CSL-JSON by ``json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import rispy
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.library.collections import owned_collection
from paperfeed.library.references import FORMATS
from paperfeed.service.bibtex import bibtex_entry, paper_year, unique_keys, write_bibtex
from paperfeed.service.views import PaperView
from paperfeed.store.library_models import CollectionItem
from paperfeed.store.models import DailyEntry, Paper

MEDIA_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csl-json": "application/vnd.citationstyles.csl+json",
}
SUFFIXES = {"bibtex": "bib", "ris": "ris", "csl-json": "json"}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ExportItem:
    paper: PaperView
    note: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    body: str
    count: int


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt[:20]!r}; expected one of {', '.join(FORMATS)}.")
    return fmt


def export_items(session: Session, user_id: int, collection_id: int | None) -> list[ExportItem]:
    """The items of the member's collection (None: of every collection, one per paper),
    newest first."""
    query = (
        select(CollectionItem, Paper, DailyEntry)
        .join(Paper, Paper.id == CollectionItem.paper_id)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(CollectionItem.user_id == user_id, Paper.hidden.is_(False))
        .order_by(CollectionItem.added_at.desc(), Paper.id.desc())
    )
    if collection_id is not None:
        query = query.where(CollectionItem.collection_id == collection_id)
    merged: dict[int, ExportItem] = {}
    for item, paper, entry in session.execute(query):
        note, tags = (item.note or "").strip(), tuple(item.tags or ())
        seen = merged.get(paper.id)
        if seen is None:
            merged[paper.id] = ExportItem(PaperView.from_row(paper, entry), note, tags)
            continue
        notes = seen.note if not note or note in seen.note else f"{seen.note}\n\n{note}".strip()
        merged[paper.id] = ExportItem(seen.paper, notes, tuple(dict.fromkeys(seen.tags + tags)))
    return list(merged.values())


def export_library(
    session: Session, user_id: int, *, fmt: str, collection_id: int | None = None
) -> Export:
    """The member's collection ``collection_id`` (NotFound if not theirs), or with None the
    whole library, as ``fmt`` (a key of FORMATS)."""
    check_format(fmt)
    if collection_id is not None:
        name = owned_collection(session, user_id, collection_id).name
    else:
        name = "library"
    items = export_items(session, user_id, collection_id)
    keys = unique_keys(item.paper for item in items)
    body = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json}[fmt](items, keys)
    slug = _SLUG.sub("-", name.lower()).strip("-") or "collection"
    return Export(f"{slug}.{SUFFIXES[fmt]}", MEDIA_TYPES[fmt], body, len(items))


def _bibtex(items: list[ExportItem], keys: list[str]) -> str:
    entries = [
        bibtex_entry(
            item.paper, key=key, extra=[("keywords", ", ".join(item.tags)), ("annote", item.note)]
        )
        for item, key in zip(items, keys, strict=True)
    ]
    return write_bibtex(entries)


def _name_parts(name: str) -> tuple[str, str]:
    """``(family, given)`` of "Given Family"; a one-word name is all family."""
    given, _, family = name.rpartition(" ")
    return family, given


def _line(text: str) -> str:
    """One line: a newline in a RIS value would start a new tag."""
    return " ".join(text.split())


def _ris(items: list[ExportItem], keys: list[str]) -> str:
    records = []
    for item, key in zip(items, keys, strict=True):
        paper = item.paper
        record: dict = {
            "type_of_reference": "UNPB",
            "id": key,
            "title": _line(paper.title),
            "authors": [", ".join(p for p in _name_parts(a) if p) for a in paper.authors],
            "abstract": _line(paper.abstract),
            "urls": [paper.abs_url],
            "notes": [f"arXiv:{paper.arxiv_id}"] + ([_line(item.note)] if item.note else []),
            "publisher": "arXiv",
            "name_of_database": "arXiv.org",
        }
        if item.tags:
            record["keywords"] = [_line(t) for t in item.tags]
        if paper.doi:
            record["doi"] = paper.doi
        if paper.journal_ref:
            record["journal_name"] = _line(paper.journal_ref)
        year = paper_year(paper)
        if year:
            record["year"] = str(year)
        if paper.published_at is not None:
            record["date"] = paper.published_at.strftime("%Y/%m/%d")
        records.append({k: v for k, v in record.items() if v})
    return rispy.dumps(records)


def _csl_json(items: list[ExportItem], keys: list[str]) -> str:
    out = []
    for item, key in zip(items, keys, strict=True):
        paper = item.paper
        csl: dict = {
            "id": key,
            "type": "article",
            "title": paper.title,
            "author": [_csl_name(a) for a in paper.authors],
            "abstract": paper.abstract,
            "number": f"arXiv:{paper.arxiv_id}",
            "publisher": "arXiv",
            "URL": paper.abs_url,
            "DOI": paper.doi,
            "container-title": paper.journal_ref,
            "note": item.note,
            "keyword": ", ".join(item.tags),
        }
        when = paper.published_at
        if when is not None:
            csl["issued"] = {"date-parts": [[when.year, when.month, when.day]]}
        elif year := paper_year(paper):
            csl["issued"] = {"date-parts": [[year]]}
        out.append({k: v for k, v in csl.items() if v})
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def _csl_name(name: str) -> dict[str, str]:
    family, given = _name_parts(name)
    return {"family": family, "given": given} if given else {"literal": family}
