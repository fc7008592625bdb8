"""The HTML pages: routes, templates, filters and static files."""

import paperfeed.http  # noqa: F401  (the arxiv_id path convertor, before any route)
