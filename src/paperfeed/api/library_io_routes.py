"""``POST /api/library/import`` and ``GET /api/library/export/{format}``: the JSON API of a
library's import and export (docs/library-import-export.md).

Import takes a multipart upload (``file``, and optionally ``format``, ``collectionId`` or
``newCollection``: ``curl -F file=@refs.bib -H "Authorization: Bearer ..."``) and answers
the report. Export answers the file itself, with ``Content-Disposition: attachment``.
Bearer tokens need no CSRF token; a browser's cookie needs ``X-CSRF-Token``. Another
member's collection is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from paperfeed.api.schemas import ErrorOut
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, PrimarySessions, SettingsDep
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.exporting import check_format, export_library
from paperfeed.library.importing import (
    ImportLine,
    ImportReport,
    arxiv_fetch,
    import_file,
    limits_of,
)

router = routing.router(
    prefix="/api/library",
    tags=["library"],
    responses={status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 429)},
)


class ImportLineOut(BaseModel):
    number: int = Field(description="the entry's place in the file, from 1")
    label: str = Field(description="the entry's citation key, else its title")
    title: str = Field(description="the entry's title as the file gives it")
    outcome: str = Field(description="matched, fetched, duplicate, not_found or skipped")
    detail: str = Field(
        description='how it matched ("by arxiv id", "by DOI", "by title") or why not'
    )
    arxivId: str | None = Field(None, description="the paper's arXiv id, when known")
    newInCollection: bool = Field(description="the paper was not in the collection before")

    @classmethod
    def of(cls, line: ImportLine) -> ImportLineOut:
        return cls(
            number=line.number,
            label=line.label,
            title=line.title,
            outcome=line.outcome,
            detail=line.detail,
            arxivId=line.arxiv_id,
            newInCollection=line.new_in_collection,
        )


class ImportReportOut(BaseModel):
    collectionId: int
    collectionName: str
    collectionPath: str = Field(description="the collection's page on this site")
    format: str = Field(description="bibtex, ris or csl-json (as detected or given)")
    entries: int
    matched: int = Field(description="entries whose paper was already in this instance")
    fetched: int = Field(description="entries whose paper was fetched from arXiv just now")
    notFound: int = Field(description="entries not found, or not readable")
    duplicates: int
    added: int = Field(description="papers new in the collection")
    lines: list[ImportLineOut]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            collectionId=report.collection_id,
            collectionName=report.collection_name,
            collectionPath=report.collection_path,
            format=report.format,
            entries=report.entries,
            matched=report.matched,
            fetched=report.fetched,
            notFound=report.not_found,
            duplicates=report.duplicates,
            added=report.added,
            lines=[ImportLineOut.of(line) for line in report.lines],
        )


@router.post(
    "/import",
    response_model=ImportReportOut,
    dependencies=[Depends(rate_limited("library-import", "rate_limit_import"))],
    summary="Import a BibTeX, RIS or CSL-JSON file into a collection",
)
def import_references(
    sessions: PrimarySessions,
    user: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    file: Annotated[UploadFile, File(description="the reference file")],
    format: Annotated[
        str | None, Form(description="bibtex, ris or csl-json; omit to detect")
    ] = None,
    collectionId: Annotated[int | None, Form(description="one of your collections")] = None,
    newCollection: Annotated[
        str | None, Form(description="or: the name of a new (or existing) collection")
    ] = None,
) -> ImportReportOut:
    """Match each entry by arXiv id, then DOI, then title; fetch papers with an arXiv id
    that are not here from arXiv; add them all to the collection (default "Saved") in one
    transaction. A second import of the same file changes nothing. A file over the limits
    is 413, a file that is not one of the formats 400; nothing is written then."""
    if collectionId is not None and newCollection:
        raise InvalidInput("Give collectionId or newCollection, not both.")
    report = import_file(
        sessions,
        arxiv_fetch(settings),
        user_id=user.id,
        data=file.file.read(settings.import_max_bytes + 1),
        fmt=format or None,
        limits=limits_of(settings),
        max_fetch=settings.import_max_fetch,
        now=now,
        collection_id=collectionId,
        new_collection=newCollection or None,
    )
    return ImportReportOut.of(report)


@router.get(
    "/export/{fmt}",
    summary="Export a collection or the whole library",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/x-bibtex": {},
                "application/x-research-info-systems": {},
                "application/vnd.citationstyles.csl+json": {},
            },
            "description": "the file",
        }
    },
)
def export_references(
    session: PrimaryRead, user: CurrentUser, fmt: str, collection: int | None = None
) -> Response:
    """``fmt`` is bibtex, ris or csl-json; ``collection`` one of your collections (omit it
    for the whole library, each paper once with the tags and notes of all collections)."""
    done = export_library(session, user.id, fmt=check_format(fmt), collection_id=collection)
    return Response(
        done.body,
        media_type=f"{done.media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{done.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
