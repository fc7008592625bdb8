"""Library import and export pages: ``/library/import`` (upload a BibTeX, RIS or CSL-JSON
file into a collection; the answer is the report) and ``/library/export`` (download a
collection or the whole library in each format).

Plain forms that work without JavaScript; the CSRF token travels in the multipart form like
in every other form. A bad file re-renders the form with the message (400, or 413 over a
limit) and nothing is written (:mod:`paperfeed.library.importing`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput, PaperfeedError
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, PrimaryRead, PrimarySessions, SettingsDep
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library.collection_edits import list_collections
from paperfeed.library.exporting import export_library
from paperfeed.library.importing import arxiv_fetch, import_file, limits_of
from paperfeed.library.references import FORMATS
from paperfeed.store.db import session_scope
from paperfeed.web.templating import render

router = routing.router(tags=["library"], include_in_schema=False)

NO_STORE = "no-store"


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200):
    response = render(request, template, context, status_code=status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _form_context(session: Session, user_id: int, settings, **extra: Any) -> dict[str, Any]:
    return {
        "collections": list_collections(session, user_id),
        "formats": FORMATS,
        "max_mib": settings.import_max_bytes / 2**20,
        "max_entries": settings.import_max_entries,
        "max_fetch": settings.import_max_fetch,
        **extra,
    }


def parse_target(collection: str) -> tuple[int | None, bool]:
    """The form's target: ``"new"`` (a new collection, named in its own field), ``""`` (Saved)
    or a collection id."""
    if collection in ("", "saved"):
        return None, False
    if collection == "new":
        return None, True
    if not collection.isdigit() or len(collection) > 18:
        raise InvalidInput("Choose one of your collections, or a new one.")
    return int(collection), False


def read_upload(upload: UploadFile | None, limit: int) -> bytes:
    """The uploaded file's bytes, at most ``limit + 1`` of them (the import says what is
    over); InvalidInput when no file was chosen."""
    if upload is None or not upload.filename:
        raise InvalidInput("Choose a file to import (BibTeX .bib, RIS .ris or CSL-JSON .json).")
    return upload.file.read(limit + 1)


@router.get("/library/import", response_class=HTMLResponse)
def import_form(request: Request, session: PrimaryRead, user: CurrentUser, settings: SettingsDep):
    return _page(request, "library_import.html", _form_context(session, user.id, settings))


@router.post(
    "/library/import",
    response_class=HTMLResponse,
    dependencies=[Depends(rate_limited("library-import", "rate_limit_import"))],
)
def import_upload(
    request: Request,
    sessions: PrimarySessions,
    user: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    file: Annotated[UploadFile | None, File()] = None,
    format: Annotated[str, Form()] = "",
    collection: Annotated[str, Form()] = "",
    new_collection: Annotated[str, Form()] = "",
) -> Response:
    try:
        collection_id, is_new = parse_target(collection)
        report = import_file(
            sessions,
            arxiv_fetch(settings),
            user_id=user.id,
            data=read_upload(file, settings.import_max_bytes),
            fmt=format or None,
            limits=limits_of(settings),
            max_fetch=settings.import_max_fetch,
            now=now,
            collection_id=collection_id,
            new_collection=new_collection if is_new else None,
        )
    except PaperfeedError as exc:
        with session_scope(sessions, write=False) as session:
            context = _form_context(
                session,
                user.id,
                settings,
                error=exc.message,
                chosen=collection,
                new_name=new_collection[:100],
            )
        return _page(request, "library_import.html", context, exc.status)
    return _page(request, "library_import_report.html", {"report": report})


@router.get("/library/export", response_class=HTMLResponse)
def export_page(request: Request, session: PrimaryRead, user: CurrentUser):
    context = {"collections": list_collections(session, user.id), "formats": FORMATS}
    return _page(request, "library_export.html", context)


@router.get("/library/export/{fmt}")
def export_download(
    session: PrimaryRead, user: CurrentUser, fmt: str, collection: int | None = None
) -> Response:
    """The file itself (the JSON API's ``/api/library/export/{fmt}`` answers the same)."""
    done = export_library(session, user.id, fmt=fmt, collection_id=collection)
    return Response(
        done.body,
        media_type=f"{done.media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{done.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
