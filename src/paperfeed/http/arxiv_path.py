"""Paper ids in URL paths: the ``{name:arxiv_id}`` path convertor, and what to answer when a
path would name a route but for a malformed id.

The convertor matches exactly the id shapes (an old-style id holds a ``/``), so no route that
takes a paper id can also take ``/papers/trending`` or ``/api/papers/search``: the order in
which routes are tried does not matter. It is registered when ``paperfeed.http`` is imported,
which every router module does before it declares a route.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.routing import Match

from paperfeed.arxiv_ids import ID_PATTERN, parse_arxiv_id
from paperfeed.errors import InvalidInput

# A well-formed id, put in place of a malformed one to ask whether a route has that shape.
_SAMPLE = "2406.12345"
# Prefixes of the routes that take a paper id: pages, the API and its admin actions.
_PAPER_PREFIXES = ("/papers/", "/api/papers/", "/api/admin/papers/", "/api/feedback/")


class ArxivIdConvertor(Convertor[str]):
    # date/week/month are Hugging Face's path-style feed URLs (pages.hf_period_path), and no
    # arXiv archive: without the look-ahead /papers/date/2026112 would be an old-style id too.
    regex = rf"(?!(?:date|week|month)/){ID_PATTERN}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("arxiv_id", ArxivIdConvertor())


def malformed_id_error(request: Request) -> str | None:
    """Why the paper id in the path of a request that no route took is not an arXiv id, if
    a route would have taken the request with a well-formed id in its place
    (``/api/papers/not-an-id/similar``); None when the id is fine and only the rest of the
    path is unknown, or when the path names no paper at all."""
    path = request.scope["path"]
    prefix = next((p for p in _PAPER_PREFIXES if path.startswith(p)), None)
    if prefix is None or "endpoint" in request.scope:
        return None
    parts = path[len(prefix) :].split("/")
    for length in range(1, min(len(parts), 2) + 1):  # an old-style id holds one slash
        asked, rest = "/".join(parts[:length]), parts[length:]
        try:
            parse_arxiv_id(asked)
        except InvalidInput as exc:
            probe = {**request.scope, "path": prefix + "/".join([_SAMPLE, *rest])}
            if any(route.matches(probe)[0] != Match.NONE for route in request.app.router.routes):
                return exc.message
            continue
        return None  # a good id: nothing is served under it at that path
    return None
