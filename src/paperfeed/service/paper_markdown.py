"""A paper as one Markdown document: ``GET /papers/{id}.md``, ``Accept: text/markdown`` on
``/papers/{id}``, ``huggingface_hub``'s ``read_paper`` / ``hf papers read`` and the MCP
``read`` tool all serve :func:`paper_markdown` (docs/api.md#papers-as-markdown).

The document: the title as a heading; authors, dates and counts; the links (arXiv, PDF,
code, project page, DOI, this instance's page); the abstract; and the full text when the
instance has fetched it (issue 17 item 3), else the abstract alone, never an error. Titles
and abstracts keep the author's math as ``$TeX$`` and lose their text-mode LaTeX
(:mod:`paperfeed.text.markdown_text`); every imported string is escaped, and only links
that passed :func:`paperfeed.links.web_url` are written.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session

from paperfeed.links import site_url
from paperfeed.service.papers import get_paper, visible_paper_id
from paperfeed.service.views import PaperView
from paperfeed.text.markdown_text import escape_markdown, to_markdown, to_markdown_line


def paper_markdown(session: Session, arxiv_id: str, *, base_url: str) -> str:
    """The whole Markdown document of a visible paper (a version suffix or URL is accepted);
    :class:`paperfeed.errors.NotFound` for an unknown or hidden one, as ``get_paper``."""
    view = get_paper(session, arxiv_id)
    paper_id, _bare = visible_paper_id(session, view.arxiv_id)
    parts = [
        f"# {to_markdown_line(view.title)}",
        _facts(view),
        "## Links\n\n" + "\n".join(f"- {name}: <{url}>" for name, url in _links(view, base_url)),
        "## Abstract\n\n" + (to_markdown(view.abstract) or "(no abstract)"),
    ]
    body = _full_text(session, paper_id)
    if body:
        parts.append("## Full text\n\n" + body.strip())
    return "\n\n".join(parts) + "\n"


def _facts(view: PaperView) -> str:
    """Authors, dates and counts, one ``**Label:** value`` line each."""
    facts: list[tuple[str, str]] = []
    if view.authors:
        facts.append(("Authors", ", ".join(escape_markdown(a) for a in view.authors)))
    if view.published_at is not None:
        facts.append(("Published", view.published_at.date().isoformat()))
    if view.feed_day is not None:
        feed = view.feed_day.isoformat()
        if view.submitted_by:
            feed += f" (submitted by {escape_markdown(view.submitted_by)})"
        facts.append(("Daily papers", feed))
    if view.categories:
        facts.append(("Categories", ", ".join(escape_markdown(c) for c in view.categories)))
    if view.journal_ref:
        facts.append(("Journal reference", escape_markdown(" ".join(view.journal_ref.split()))))
    if view.comments:
        facts.append(("arXiv comments", to_markdown_line(view.comments)))
    facts.append(("Upvotes", str(view.upvotes)))
    facts.append(("Comments", str(view.num_comments)))
    # Two spaces before each line break: one paragraph, one fact a line.
    return "  \n".join(f"**{label}:** {value}" for label, value in facts)


def _links(view: PaperView, base_url: str) -> list[tuple[str, str]]:
    """(label, absolute URL) of every link the paper has; written as ``<URL>`` autolinks,
    which hold no spaces or angle brackets (``web_url`` refused those at import)."""
    links = [("arXiv", view.abs_url), ("PDF", view.pdf_url)]
    if view.github_repo:
        stars = f" ({view.github_stars} stars)" if view.github_stars is not None else ""
        links.append((f"Code{stars}", view.github_repo))
    if view.project_page:
        links.append(("Project page", view.project_page))
    if view.doi:
        links.append(("DOI", "https://doi.org/" + quote(view.doi.strip(), safe="/:;._-()")))
    links.append(("Paper page", site_url(base_url, f"/papers/{view.arxiv_id}")))
    return links


def _full_text(session: Session, paper_id: int) -> str | None:
    """The stored full text as Markdown, or None.

    MERGE POINT (issue 17 item 3): once branch h-fulltext is merged, this is
    ``paperfeed.service.fulltext.fulltext_markdown(session, paper_id)``. Until then the
    instance has no full text, and every paper's Markdown is the abstract-only document.
    """
    del session, paper_id
    return None
