"""Resources (URI templates) for clients that attach context rather than call tools:

- ``paperfeed://daily/{period}``: the daily page as JSON; ``period`` is ``latest``, a day
  (``2026-11-20``), an ISO week (``2026-W47``) or a month (``2026-11``);
- ``paperfeed://papers/{+id}``: one paper's details as JSON (an old-style id keeps its slash:
  ``paperfeed://papers/hep-th/9901001``);
- ``paperfeed://markdown/{+id}``: the paper as Markdown (``service.paper_markdown``).

They answer what the ``daily``, ``paper`` and ``read`` tools answer, through the same functions, and
count against the same rate limit. An unknown paper is a "resource not found" error.
"""

from __future__ import annotations

import re

from mcp.server.mcpserver import Context, MCPServer

from paperfeed.errors import InvalidInput
from paperfeed.mcp.calls import Calls
from paperfeed.mcp.outputs import PaperDetail
from paperfeed.mcp.reading_tools import MAX_PAGE, daily_page
from paperfeed.service.paper_markdown import paper_markdown
from paperfeed.service.papers import get_paper

JSON = "application/json"
_WEEK = re.compile(r"^\d{4}-W\d{1,2}$")
_MONTH = re.compile(r"^\d{4}-\d{1,2}$")


def period_arguments(period: str) -> dict[str, str | None]:
    """``latest`` / a day / a week / a month as the daily tool's date, week, month."""
    value = period.strip()
    if value == "latest":
        return {"date": None, "week": None, "month": None}
    if _WEEK.match(value):
        return {"date": None, "week": value, "month": None}
    if _MONTH.match(value):
        return {"date": None, "week": None, "month": value}
    if len(value) > 10 or not value[:1].isdigit():
        raise InvalidInput(
            f"{value[:40]!r} is not a period; use latest, a day (2026-11-20), a week "
            "(2026-W47) or a month (2026-11)"
        )
    return {"date": value, "week": None, "month": None}


def register(server: MCPServer, calls: Calls) -> None:
    @server.resource(
        "paperfeed://daily/{period}",
        name="daily",
        title="The daily papers",
        description="The papers of a day, week or month on the daily feed, by upvotes: "
        "period is latest, YYYY-MM-DD, YYYY-Www or YYYY-MM.",
        mime_type=JSON,
    )
    def daily(period: str, ctx: Context) -> str:
        base = calls.runtime(ctx).settings.base_url

        def body(session, _caller, now) -> str:
            days = period_arguments(period)
            page = daily_page(session, now, base, **days, sort="upvotes", limit=MAX_PAGE, offset=0)
            return page.model_dump_json(indent=1)

        return calls.resource(ctx, body)

    @server.resource(
        "paperfeed://papers/{+id}",
        name="paper",
        title="A paper",
        description="One paper by arXiv id: title, authors, abstract, dates, links.",
        mime_type=JSON,
    )
    def paper(id: str, ctx: Context) -> str:
        base = calls.runtime(ctx).settings.base_url

        def body(session, _caller, _now) -> str:
            return PaperDetail.of_view(get_paper(session, id), base).model_dump_json(indent=1)

        return calls.resource(ctx, body)

    @server.resource(
        "paperfeed://markdown/{+id}",
        name="paper-markdown",
        title="A paper as Markdown",
        description="The whole paper as Markdown: details, abstract and, where the site has "
        "it, the full text.",
        mime_type="text/markdown",
    )
    def markdown(id: str, ctx: Context) -> str:
        base = calls.runtime(ctx).settings.base_url
        return calls.resource(ctx, lambda s, _c, _n: paper_markdown(s, id, base_url=base))
