"""A paper as Markdown: ``GET /papers/{id}.md``, and ``/papers/{id}`` asked for with
``Accept: text/markdown`` (:func:`paperfeed.web.pages.paper` hands over to
:func:`markdown_response`). What ``huggingface_hub``'s ``read_paper`` and ``hf papers
read`` fetch (``{endpoint}/papers/{id}.md``); docs/api.md#papers-as-markdown.

An unknown or hidden paper is a 404 in the API's JSON shape (``http/errors.py`` answers
``.md`` paths and Markdown requests that way), never an HTML page.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.http import routing
from paperfeed.http.auth import get_auth
from paperfeed.http.deps import ReadSession, SettingsDep
from paperfeed.service.paper_markdown import paper_markdown
from paperfeed.settings import Settings

router = routing.router(tags=["pages"], include_in_schema=False)

MEDIA_TYPE = "text/markdown; charset=utf-8"
MARKDOWN_CACHE = "public, max-age=300"  # as the HTML paper page


@router.get("/papers/{arxiv_id:arxiv_id}.md")
def paper_as_markdown(
    request: Request, arxiv_id: str, session: ReadSession, settings: SettingsDep
) -> Response:
    """The paper's Markdown document (a version suffix is accepted and ignored)."""
    return markdown_response(request, session, settings, arxiv_id, vary=False)


def markdown_response(
    request: Request, session: Session, settings: Settings, arxiv_id: str, *, vary: bool
) -> Response:
    """The Markdown answer for a paper; ``vary`` when the URL also serves HTML (the paper
    page), so that shared caches keep the two variants apart."""
    body = paper_markdown(session, arxiv_id, base_url=settings.base_url)
    response = Response(body, media_type=MEDIA_TYPE)
    bare, _version = parse_arxiv_id(arxiv_id)  # well-formed: paper_markdown found it
    response.headers["Link"] = f'</api/papers/{bare}>; rel="alternate"; type="application/json"'
    signed_in = get_auth(request).account is not None
    response.headers["Cache-Control"] = "private, no-cache" if signed_in else MARKDOWN_CACHE
    if vary:
        response.headers["Vary"] = "Accept"
    return response
